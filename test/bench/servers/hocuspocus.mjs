// Hocuspocus with its built-in Node server and default configuration (in memory, no
// extensions), the way its README starts it.
import { Server } from '@hocuspocus/server';

const port = Number(process.env.PORT);
const server = new Server({ port, address: '127.0.0.1', quiet: true, stopOnSignals: true });
await server.listen();
console.log(JSON.stringify({ msg: 'listening', port }));
