// Lambda@Edge entry point. The configuration is read and checked once, at cold start: a bad config.json
// fails every invocation with one message naming the bad field.

import { readFileSync } from 'node:fs';
import { validateConfig } from './config.mjs';
import { createHandler } from './handler.mjs';

const config = validateConfig(JSON.parse(readFileSync(new URL('./config.json', import.meta.url), 'utf8')));

export const handler = createHandler(config);
