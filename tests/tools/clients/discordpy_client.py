#!/usr/bin/python3
"""discord.py (Debian's python3-discord) against `gwtape serve`: logs in through the REST stub,
counts the dispatches it is given, then prints what its own cache holds as one JSON line.

usage: discordpy_client.py GATEWAY_URL DISPATCHES [CHANNEL_ID MESSAGE_ID]
  GATEWAY_URL what serve printed, e.g. ws://127.0.0.1:PORT: discord.py needs two settings, its
              REST base (Route.BASE, here http://127.0.0.1:PORT/api/v10) and its first
              gateway URL (DiscordWebSocket.DEFAULT_GATEWAY: 2.x connects there without
              asking /gateway; READY's resume_gateway_url takes it from there)
  DISPATCHES  how many dispatches the served stream holds (READY included): the client stops
              once it has them all
Exits 1 (with a message on stderr) when they do not come within 60 s.
"""
import asyncio
import json
import sys

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route


def main() -> int:
    if len(sys.argv) not in (3, 5) or not sys.argv[2].isdigit() or int(sys.argv[2]) < 1:
        print(__doc__, file=sys.stderr)
        return 2
    gateway = yarl.URL(sys.argv[1])
    scheme = "https" if gateway.scheme == "wss" else "http"
    Route.BASE = str(gateway.with_scheme(scheme).with_path("/api/v10"))
    DiscordWebSocket.DEFAULT_GATEWAY = gateway.with_path("/")
    expected = int(sys.argv[2])
    channel_id = int(sys.argv[3]) if len(sys.argv) == 5 else None
    message_id = int(sys.argv[4]) if len(sys.argv) == 5 else None

    # Every intent, members cached, no member chunking (the recording has what it has), and
    # room for every message of the recording in the message cache.
    client = discord.Client(intents=discord.Intents.all(), chunk_guilds_at_startup=False,
                            enable_debug_events=True, max_messages=1_000_000)
    counts: dict = {}
    state = {"dispatches": 0, "code": 1}
    all_in = asyncio.Event()

    @client.event
    async def on_socket_event_type(event_type: str) -> None:
        counts[event_type] = counts.get(event_type, 0) + 1
        state["dispatches"] += 1
        if state["dispatches"] >= expected:
            all_in.set()

    async def run() -> None:
        async with client:
            task = asyncio.create_task(client.start("gwtape-serve-test-token", reconnect=False))
            waiter = asyncio.create_task(all_in.wait())
            await asyncio.wait({task, waiter}, timeout=60, return_when=asyncio.FIRST_COMPLETED)
            if waiter.done():
                await asyncio.sleep(0.5)  # the parsers run after the event type is told
                state["code"] = 0
            elif task.done():
                error = task.exception()
                print(f"discordpy_client: the client stopped: {error!r}", file=sys.stderr)
            else:
                print(f"discordpy_client: only {state['dispatches']} of {expected} dispatches "
                      "within 60 s", file=sys.stderr)
            waiter.cancel()
            summary = {
                "client": "discord.py",
                "version": discord.__version__,
                "dispatches": state["dispatches"],
                "counts": counts,
                "guilds": len(client.guilds),
                "channels": sum(len(g.channels) for g in client.guilds),
                "threads": sum(len(g.threads) for g in client.guilds),
                "roles": sum(len(g.roles) for g in client.guilds),
                "members": sum(len(g.members) for g in client.guilds),
                "message": None,
            }
            if message_id is not None:
                message = discord.utils.get(client.cached_messages, id=message_id)
                if message is not None and message.channel.id == channel_id:
                    summary["message"] = message.content
            print(json.dumps(summary), flush=True)
            await client.close()
            task.cancel()

    asyncio.run(run())
    return state["code"]


if __name__ == "__main__":
    sys.exit(main())
