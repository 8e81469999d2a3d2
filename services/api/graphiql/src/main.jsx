// GraphiQL for Lianxin's /graphql, bundled with its dependencies by `npm run build` (build.mjs): the
// page the API serves loads only this bundle and its stylesheet from the API itself, never a CDN.
import { GraphiQL } from "graphiql";
import { getOperationAST, parse } from "graphql";
import { createClient } from "graphql-ws";
import { createRoot } from "react-dom/client";
import "graphiql/style.css";

const endpoint = new URL(window.location.pathname, window.location.href);
const socketUrl = new URL(endpoint);
socketUrl.protocol = endpoint.protocol === "https:" ? "wss:" : "ws:";

const DEFAULT_HEADERS = JSON.stringify(
  { Authorization: "Bearer PASTE-A-TOKEN-HERE (the `make run` banner prints one; or `lianxin token`)" },
  null,
  2,
);

const DEFAULT_QUERY = `# Lianxin's GraphQL API. Every request needs a token:
#   1. paste it into the Headers pane below, as "Authorization": "Bearer <token>"
#      (\`make run\` prints an admin token; \`lianxin token --help\` issues others);
#   2. press the re-fetch button (⟳, left) to load the schema for completion and docs;
#   3. run this query with Ctrl-Enter or the ▶ button.
# Subscriptions (\`subscription { events { ... } }\`) go over the graphql-transport-ws
# protocol on the same URL, with the same headers as connection parameters.
query Unions {
  unions(first: 5) {
    totalCount
    edges { node { id name kind regionCode } }
  }
}
`;

// One graphql-ws client per set of headers: the server authenticates a socket once, in connection_init.
const sockets = new Map();
function socketFor(headers) {
  const key = JSON.stringify(headers);
  if (!sockets.has(key)) {
    for (const client of sockets.values()) client.dispose();
    sockets.clear();
    sockets.set(key, createClient({ url: socketUrl.href, connectionParams: headers, lazy: true }));
  }
  return sockets.get(key);
}

function isSubscription(params, documentAST) {
  try {
    const document = documentAST ?? parse(params.query);
    return getOperationAST(document, params.operationName ?? undefined)?.operation === "subscription";
  } catch {
    return false; // the server reports the syntax error
  }
}

async function fetcher(params, options = {}) {
  const headers = options.headers ?? {};
  if (isSubscription(params, options.documentAST)) {
    return socketFor(headers).iterate(params);
  }
  const response = await fetch(endpoint, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", ...headers },
    body: JSON.stringify(params),
  });
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    // not GraphQL (a proxy's error page, a 413, ...): show it rather than a JSON syntax error
    return { errors: [{ message: `HTTP ${response.status}: ${text.slice(0, 500)}` }] };
  }
}

createRoot(document.getElementById("graphiql")).render(
  <GraphiQL
    fetcher={fetcher}
    defaultQuery={DEFAULT_QUERY}
    defaultHeaders={DEFAULT_HEADERS}
    defaultEditorToolsVisibility="headers"
    isHeadersEditorEnabled
    shouldPersistHeaders
  />,
);
