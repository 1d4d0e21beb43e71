/** {@code Setting}: one configuration key's default and bounds, declared by the component that owns it (a leaf: depends on nothing in the transport). */
package io.gatehouse.transport.setting;
