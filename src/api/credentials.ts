/** How the server is told who we are: `auth` goes in the form body, an OAuth token as a Bearer header. */
export type Credentials = {type: 'auth'; token: string} | {type: 'accessToken'; token: string};
