// A typed client of the Lianxin API: a query and a mutation over HTTP, a subscription over
// graphql-transport-ws (graphql-ws). Every result and variable is typed by graphql-codegen from
// ../../schema.graphql (`npm run codegen`), so a renamed field fails `npm run build`, not production.
//
//   LIANXIN_URL=http://127.0.0.1:8000/graphql LIANXIN_TOKEN=<token> npm start
import { print } from "graphql";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import type { ResultOf, TypedDocumentNode, VariablesOf } from "@graphql-typed-document-node/core";
import { graphql } from "./gql";

const url = process.env.LIANXIN_URL ?? "http://127.0.0.1:8000/graphql";
const token = process.env.LIANXIN_TOKEN;
if (!token) throw new Error("set LIANXIN_TOKEN (the `make run` banner prints one)");
const headers = { Authorization: `Bearer ${token}` };

const Unions = graphql(`
  query Unions($first: Int!) {
    unions(first: $first) {
      totalCount
      edges { node { id name kind regionCode } }
    }
  }
`);

const CreateUnion = graphql(`
  mutation CreateUnion($input: CreateUnionInput!) {
    createUnion(input: $input) {
      union { id name }
      errors { code message }
    }
  }
`);

const UnionEvents = graphql(`
  subscription UnionEvents($types: [String!]) {
    events(types: $types) { id cursor type occurredAt subjectId payload }
  }
`);

type GraphQLError = { message: string; extensions?: { code?: string } };

/** POSTs one typed operation; returns its typed `data` or throws the errors with their codes. */
async function request<Result, Variables>(
  document: TypedDocumentNode<Result, Variables>,
  variables: Variables,
): Promise<Result> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify({ query: print(document), variables }),
  });
  const body = (await response.json()) as { data?: Result | null; errors?: GraphQLError[] };
  if (body.errors?.length || !body.data) {
    const errors = body.errors ?? [];
    throw new Error(errors.map((e) => `${e.extensions?.code ?? "ERROR"}: ${e.message}`).join("; "));
  }
  return body.data;
}

async function main(): Promise<void> {
  // Query: `before` is typed as { unions: { totalCount: number; edges: ... } }
  const before = await request(Unions, { first: 5 });
  console.log(`query: ${before.unions.totalCount} unions`);

  // Subscription: the socket authenticates once, with the same header as connection parameters
  const socket = createClient({
    url: url.replace(/^http/, "ws"),
    webSocketImpl: WebSocket,
    connectionParams: headers,
  });
  const events = socket.iterate<ResultOf<typeof UnionEvents>>({
    query: print(UnionEvents),
    variables: { types: ["union.created"] } satisfies VariablesOf<typeof UnionEvents>,
  });

  // Mutation: `events(after: null)` starts from "now", which a client cannot observe; so create a
  // union, and another if its event has not arrived within a second (the subscription started late)
  const created = new Map<string, string>();
  let seen: { type: string; subjectId: string; name: unknown } | undefined;
  // one `next()` at a time: a promise that lost the race to the deadline still gets the next event,
  // so it is kept for the following round rather than asked again (which would skip that event)
  let pending = events.next();
  for (let attempt = 1; !seen && attempt <= 20; attempt++) {
    const { createUnion } = await request(CreateUnion, {
      input: { name: `示例工会 ${attempt}`, kind: "FEDERATION", regionCode: "371000" },
    });
    if (createUnion.errors.length || !createUnion.union) {
      throw new Error(createUnion.errors.map((e) => `${e.code}: ${e.message}`).join("; "));
    }
    created.set(createUnion.union.id, createUnion.union.name);
    console.log(`mutation: created ${createUnion.union.name} ${createUnion.union.id}`);
    const deadline = new Promise<"late">((resolve) => setTimeout(() => resolve("late"), 1000));
    for (;;) {
      const next = await Promise.race([pending, deadline]);
      if (next === "late") break;
      if (next.done) throw new Error("the subscription ended");
      pending = events.next();
      const event = next.value.data?.events;
      if (event && created.has(event.subjectId)) {
        const payload = event.payload as { name?: unknown }; // JSON: untyped per event type
        seen = { type: event.type, subjectId: event.subjectId, name: payload.name };
        break;
      }
    }
  }
  if (!seen) throw new Error("no union.created event arrived");
  console.log(`subscription: ${seen.type} ${seen.name} ${seen.subjectId}`);
  await events.return?.();
  await socket.dispose();

  const after = await request(Unions, { first: 5 });
  console.log(`query: ${after.unions.totalCount} unions`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
