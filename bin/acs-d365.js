#!/usr/bin/env node
'use strict';
// Runs the compiled CLI (`npm run build`, done by scripts/setup.sh).
require('../dist/cli/main.js');
