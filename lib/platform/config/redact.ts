/**
 * Connection URLs carry passwords (postgres://user:secret@host): anything that
 * prints a URL prints it through here. Also works on text that is not a valid
 * URL, since a broken setting is exactly what an error message echoes.
 */
const USERINFO_PASSWORD = /(\/\/[^:@/\s]*):[^@\s]*@/g;
const QUERY_PASSWORD = /([?&](?:password|sslpassword)=)[^&\s]*/gi;

export const redactUrl = (text: string): string => text.replace(USERINFO_PASSWORD, "$1:****@").replace(QUERY_PASSWORD, "$1****");
