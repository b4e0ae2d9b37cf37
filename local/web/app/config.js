/**
 * Where the page finds the API. Empty: the page's own origin (the local server, or a CloudFront
 * distribution that routes the API paths to the HTTP API). Deployed elsewhere, this one file is
 * replaced (docs/web-page.md).
 */
export default {
  /** The HTTP API, e.g. the stack output HttpApiUrl: 'https://abc123.execute-api.us-east-1.amazonaws.com'. */
  apiBaseUrl: '',
  /** `POST /query/stream` when it is served apart from the rest (on AWS the stack output QueryStreamUrl); empty: `<apiBaseUrl>/query/stream`. */
  queryStreamUrl: '',
};
