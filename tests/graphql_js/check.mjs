// graphql-js (what GraphiQL, Apollo and codegen are built on) reading our schema.
//   node check.mjs query              prints getIntrospectionQuery() with every option
//   node check.mjs check SCHEMA DOCS  builds the client schema from the introspection result in
//                                     SCHEMA and validates each document file in DOCS against it;
//                                     prints one JSON line and exits 1 on any error.
import { readFileSync } from 'node:fs';
import { buildClientSchema, getIntrospectionQuery, parse, validate } from 'graphql';

const [mode, schemaPath, ...documents] = process.argv.slice(2);
if (mode === 'query') {
  process.stdout.write(getIntrospectionQuery({
    descriptions: true,
    specifiedByUrl: true,
    directiveIsRepeatable: true,
    schemaDescription: true,
    inputValueDeprecation: true,
  }));
  process.exit(0);
}
const result = JSON.parse(readFileSync(schemaPath, 'utf8'));
const schema = buildClientSchema(result.data);
const report = {};
for (const path of documents) {
  const errors = validate(schema, parse(readFileSync(path, 'utf8'))).map((error) => error.message);
  report[path.split('/').pop()] = errors;
}
const failed = Object.values(report).some((errors) => errors.length > 0);
process.stdout.write(JSON.stringify({ types: Object.keys(schema.getTypeMap()).length, report }) + '\n');
process.exit(failed ? 1 : 0);
