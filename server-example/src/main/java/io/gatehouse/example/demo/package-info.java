/** {@code ./gatehouse demo}: the whole story on localhost, step by step. */
package io.gatehouse.example.demo;
