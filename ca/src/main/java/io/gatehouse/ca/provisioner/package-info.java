/** Provisioners: who may enroll over EST, for which names, roles, DNS/IP names and lifetimes. */
package io.gatehouse.ca.provisioner;
