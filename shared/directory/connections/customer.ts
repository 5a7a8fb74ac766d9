/**
 * The Admin SDK `customer` of a Google connection: `my_customer`, the customer of the admin the
 * token acts for (https://developers.google.com/workspace/admin/directory/reference/rest/v1/users/list).
 */
export const MY_CUSTOMER = 'my_customer';
