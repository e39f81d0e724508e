// Where the user goes after signing in when there is no usable return address: the sign-in
// page (on the server) and its form (in the browser) both fall back here.
export const HOME = '/dashboard'
