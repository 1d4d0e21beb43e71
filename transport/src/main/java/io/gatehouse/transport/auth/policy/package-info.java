/** The role policy file: hierarchy, tool globs, hot reload. */
package io.gatehouse.transport.auth.policy;
