/** Wires the example tools and policy into a Gatehouse server; no logic of its own. */
package io.gatehouse.example.server;
