/** The example server's configuration: the Gatehouse model plus its own file paths. */
package io.gatehouse.example.config;
