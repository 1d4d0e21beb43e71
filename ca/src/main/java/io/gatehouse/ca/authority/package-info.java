/**
 * CA material: the on-disk layout, {@code ca.json}, encrypted key files, key types, lifetime policy, and {@code ca init}.
 */
package io.gatehouse.ca.authority;
