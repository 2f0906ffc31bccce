import { z } from 'zod';
import { API_ERROR_CODES } from '../api-errors';
import { apiErrorBody } from './common';
import { API_ROUTES, errorStatuses, openApiPath, type ApiRoute } from './routes';

type JsonSchema = Record<string, unknown>;

const COMPONENTS = '#/components/schemas/';

/**
 * Converts the named schemas in one pass: those with an id (`.meta({ id })`) become components,
 * referred to by `$ref`, and each named schema's own JSON Schema is returned by its name.
 */
function convert(
  schemas: Record<string, z.ZodType>,
  io: 'input' | 'output',
): { byName: Record<string, JsonSchema>; components: Record<string, JsonSchema> } {
  const converted = z.toJSONSchema(z.object(schemas), {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
  });
  const text = JSON.stringify(converted).replaceAll('"#/$defs/', `"${COMPONENTS}`);
  const parsed = JSON.parse(text) as {
    properties?: Record<string, JsonSchema>;
    $defs?: Record<string, JsonSchema>;
  };
  return { byName: parsed.properties ?? {}, components: parsed.$defs ?? {} };
}

const key = (route: ApiRoute, part: string): string => `${route.method} ${route.path} ${part}`;

function parametersOf(route: ApiRoute, query: JsonSchema | undefined): JsonSchema[] {
  const inPath = [...route.path.matchAll(/:([A-Za-z]+)/g)].map((match) => ({
    name: match[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  const properties = (query?.['properties'] ?? {}) as Record<string, JsonSchema>;
  const required = new Set((query?.['required'] ?? []) as string[]);
  const inQuery = Object.entries(properties).map(([name, schema]) => ({
    name,
    in: 'query',
    required: required.has(name),
    schema,
  }));
  return [...inPath, ...inQuery];
}

function operationOf(
  route: ApiRoute,
  requests: Record<string, JsonSchema>,
  responses: Record<string, JsonSchema>,
): JsonSchema {
  const success = responses[key(route, 'success')] ?? {};
  const envelope = { $ref: `${COMPONENTS}ApiErrorBody` };
  const answers: Record<string, JsonSchema> = {};
  const json = (schema: JsonSchema, description: string) => ({
    description,
    content: { 'application/json': { schema } },
  });
  for (const status of errorStatuses(route))
    answers[String(status)] = json(envelope, 'An error (the envelope)');
  answers[String(route.success.status)] =
    route.errorsAt200 === true && route.success.status === 200
      ? json({ oneOf: [success, envelope] }, 'The answer, or a business error at 200')
      : json(success, 'The answer');
  const body = requests[key(route, 'body')];
  const parameters = parametersOf(route, requests[key(route, 'query')]);
  return {
    tags: [route.tag],
    summary: route.summary,
    ...(route.open === true ? { security: [] } : {}),
    ...(parameters.length === 0 ? {} : { parameters }),
    ...(body === undefined
      ? {}
      : { requestBody: { required: true, content: { 'application/json': { schema: body } } } }),
    responses: answers,
  };
}

/** The OpenAPI 3.1 document of /api/v1, built from the route table and its zod schemas. */
export function apiV1Document(): JsonSchema {
  const requestSchemas: Record<string, z.ZodType> = {};
  const responseSchemas: Record<string, z.ZodType> = { envelope: apiErrorBody };
  for (const route of API_ROUTES) {
    if (route.body !== undefined) requestSchemas[key(route, 'body')] = route.body;
    if (route.query !== undefined) requestSchemas[key(route, 'query')] = route.query;
    responseSchemas[key(route, 'success')] = route.success.schema;
  }
  const requests = convert(requestSchemas, 'input');
  const responses = convert(responseSchemas, 'output');
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of API_ROUTES) {
    const path = openApiPath(route.path);
    paths[path] = { ...paths[path], [route.method]: operationOf(route, requests.byName, responses.byName) };
  }
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'crm-collections API',
      version: '1',
      description:
        'What the HubSpot cards, the Salesforce components and the workspace call. Every error answers ' +
        '`{ ok: false, error: { code, message, path?, line?, column? } }` with one of the codes ' +
        `${API_ERROR_CODES.join(', ')}.`,
    },
    servers: [{ url: '/api/v1' }],
    components: {
      schemas: { ...requests.components, ...responses.components },
      securitySchemes: {
        hubspotSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'X-HubSpot-Signature-v3',
          description: 'A HubSpot v3 signature of the request (with X-HubSpot-Request-Timestamp).',
        },
        workspaceSession: { type: 'apiKey', in: 'cookie', name: 'collections_session' },
      },
    },
    security: [{ hubspotSignature: [] }, { workspaceSession: [] }],
    paths,
  };
}
