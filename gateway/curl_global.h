// curl_global.h (private) — libcurl's one process-wide initialisation, shared by the WebSocket
// transport and the REST calls. Thread-safe (std::call_once); call before any other curl call.
#pragma once

namespace gwtape::gateway::detail {

// curl_global_init with memory functions that overwrite a block before freeing it, so that
// what curl held (the REST call's Authorization header, its request buffer) is not left in
// freed heap memory for a core dump to show. When the program initialised curl itself first,
// curl keeps that program's functions (curl_global_init counts calls; the first one wins).
void curl_global_init_once();

}  // namespace gwtape::gateway::detail
