/** The CA service's administrator endpoints on its HTTPS listener ({@code POST /admin/revoke}, mTLS, role ca-admin). */
package io.gatehouse.ca.admin;
