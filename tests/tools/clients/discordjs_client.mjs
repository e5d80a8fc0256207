// discord.js (v14, from the npm registry) against `gwtape serve`: logs in through the REST stub,
// counts the dispatches it is given, then prints what its own cache holds as one JSON line.
//
// usage: node discordjs_client.mjs API_BASE DISPATCHES [MESSAGE_CHANNEL_ID MESSAGE_ID]
//   API_BASE    e.g. http://127.0.0.1:PORT/api (discord.js adds /v10)
//   DISPATCHES  how many dispatches the served stream holds (READY included): the client
//               stops once it has them all
// Exits 1 (with a message on stderr) when they do not come within 60 s.
import { Client, GatewayIntentBits } from 'discord.js';

const [api, want, channelId, messageId] = process.argv.slice(2);
const expected = Number(want);
if (!api || !Number.isInteger(expected) || expected < 1) {
  console.error('usage: node discordjs_client.mjs API_BASE DISPATCHES [CHANNEL_ID MESSAGE_ID]');
  process.exit(2);
}

const client = new Client({
  intents: [
    GatewayIntentBits.Guilds,
    GatewayIntentBits.GuildMembers,
    GatewayIntentBits.GuildMessages,
    GatewayIntentBits.MessageContent,
    GatewayIntentBits.GuildMessageReactions,
    GatewayIntentBits.GuildPresences,
    GatewayIntentBits.GuildVoiceStates,
  ],
  rest: { api },
});

const counts = {};
let dispatches = 0;
let done = false;

function summary() {
  let channels = 0;
  let threads = 0;
  let roles = 0;
  let members = 0;
  for (const guild of client.guilds.cache.values()) {
    for (const channel of guild.channels.cache.values()) {
      if (channel.isThread()) threads += 1;
      else channels += 1;
    }
    roles += guild.roles.cache.size;
    members += guild.members.cache.size;
  }
  let content = null;
  if (channelId && messageId) {
    const channel = client.channels.cache.get(channelId);
    const message = channel?.messages?.cache.get(messageId);
    content = message ? message.content : null;
  }
  return {
    client: 'discord.js',
    version: client.options.ws?.version ?? null,
    dispatches,
    counts,
    guilds: client.guilds.cache.size,
    channels,
    threads,
    roles,
    members,
    message: content,
  };
}

function finish(code, why) {
  if (done) return;
  done = true;
  if (why) console.error(`discordjs_client: ${why}`);
  process.stdout.write(`${JSON.stringify(summary())}\n`);
  client.destroy().finally(() => process.exit(code));
}

client.on('raw', (packet) => {
  if (packet.op !== 0 || !packet.t) return;
  counts[packet.t] = (counts[packet.t] ?? 0) + 1;
  dispatches += 1;
  // The cache is updated by the handlers after 'raw': give them a moment.
  if (dispatches >= expected) setTimeout(() => finish(0), 500);
});
client.on('error', (e) => console.error(`discordjs_client: ${e.message}`));

setTimeout(() => finish(1, `only ${dispatches} of ${expected} dispatches within 60 s`), 60_000);
client.login('gwtape-serve-test-token').catch((e) => finish(1, `login: ${e.message}`));
