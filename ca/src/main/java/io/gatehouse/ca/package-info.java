/**
 * Gatehouse's certificate authority. Sub-packages by feature: {@code identity} (the codec the
 * transport uses), {@code authority} (CA material, config, key files, policy), {@code issue} (leaf
 * profiles and issuance), {@code db} (the durable store), {@code crl}, {@code cli}.
 */
package io.gatehouse.ca;
