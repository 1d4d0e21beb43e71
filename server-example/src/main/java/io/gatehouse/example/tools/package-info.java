/**
 * The example server's tools, modelled on three internal systems (HR, projects, CRM) over a small
 * in-memory data set, plus {@code whoami} ({@link io.gatehouse.example.tools.Whoami}). Read tools
 * are named {@code get_*}, {@code list_*} and {@code search_*}; everything else writes, so a policy
 * can tell readers from writers by glob.
 */
package io.gatehouse.example.tools;
