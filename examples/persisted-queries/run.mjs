// Apollo Client (persisted-query link, GET for hashed queries) and urql (persistedExchange, GET preferred)
// against the Lianxin API: `node run.mjs http://127.0.0.1:8000/graphql "$TOKEN"`.
// Prints one JSON line: what each client got, and every HTTP request they made (method, whether the
// document was sent, the answer) so the protocol can be checked.
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { Client, fetchExchange } from "@urql/core";
import { persistedExchange } from "@urql/exchange-persisted";
import { sha256 } from "crypto-hash";

const [url, token] = process.argv.slice(2);
const requests = [];
async function recordingFetch(input, init) {
  const response = await fetch(input, init);
  const body = await response.clone().json();
  const method = init?.method ?? "GET";
  const sentDocument = init?.body ? "query" in JSON.parse(init.body) : new URL(String(input)).searchParams.has("query");
  requests.push({ client: recordingFetch.client, method, sentDocument, status: response.status, code: body.errors?.[0]?.extensions?.code ?? null });
  return response;
}
const headers = { Authorization: `Bearer ${token}` };

recordingFetch.client = "apollo";
const apollo = new ApolloClient({
  cache: new InMemoryCache(),
  link: new PersistedQueryLink({ sha256, useGETForHashedQueries: true }).concat(
    new HttpLink({ uri: url, headers, fetch: recordingFetch }),
  ),
});
const UNIONS = gql`query Unions($n: Int) { unions(first: $n) { totalCount } }`;
const CREATE = gql`mutation Create($input: CreateUnionInput!) { createUnion(input: $input) { union { name } errors { code } } }`;
const apolloFirst = await apollo.query({ query: UNIONS, variables: { n: 5 }, fetchPolicy: "network-only" });
const created = await apollo.mutate({ mutation: CREATE, variables: { input: { name: "阿波罗", kind: "FEDERATION", regionCode: "371000" } } });
const apolloAgain = await apollo.query({ query: UNIONS, variables: { n: 5 }, fetchPolicy: "network-only" });

recordingFetch.client = "urql";
const urql = new Client({
  url,
  fetch: recordingFetch,
  fetchOptions: { headers },
  exchanges: [persistedExchange({ preferGetForPersistedQueries: true }), fetchExchange],
});
const NAMES = "query Names { unions(first: 5) { edges { node { name } } } }";
const urqlFirst = await urql.query(NAMES, {}, { requestPolicy: "network-only" }).toPromise();
const urqlAgain = await urql.query(NAMES, {}, { requestPolicy: "network-only" }).toPromise();

console.log(JSON.stringify({
  apollo: [apolloFirst.data.unions.totalCount, created.data.createUnion.union.name, apolloAgain.data.unions.totalCount],
  urql: [urqlFirst.data?.unions.edges.map((e) => e.node.name), urqlAgain.data?.unions.edges.map((e) => e.node.name)],
  requests,
}));
