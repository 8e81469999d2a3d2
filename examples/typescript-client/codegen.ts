// graphql-codegen: TypeScript types for the operations in src/, from the API's published schema.
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "../../schema.graphql",
  documents: ["src/**/*.ts", "!src/gql/**"],
  generates: {
    "src/gql/": {
      preset: "client",
      config: {
        // how the API's custom scalars arrive in JSON: Decimal yuan as strings ("1234.50"), ISO dates
        scalars: { Date: "string", DateTime: "string", Decimal: "string", JSON: "unknown", Upload: "never" },
        enumsAsTypes: true,
        useTypeImports: true,
      },
    },
  },
};

export default config;
