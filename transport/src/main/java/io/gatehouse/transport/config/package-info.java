/** The one configuration model of the transport and its loader (YAML/JSON, environment overrides). */
package io.gatehouse.transport.config;
