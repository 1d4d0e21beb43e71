/** Several transport nodes behind a real load balancer. */
package io.gatehouse.transport.cluster;
