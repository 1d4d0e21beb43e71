/** JMH baselines: raw signature verifies and HMACs, measured in the same run as the paths built on them. */
package io.gatehouse.bench.primitives;
