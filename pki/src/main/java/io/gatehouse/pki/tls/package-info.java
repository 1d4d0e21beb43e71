/** JSSE contexts and key managers from the PEM files the Gatehouse CA writes. */
package io.gatehouse.pki.tls;
