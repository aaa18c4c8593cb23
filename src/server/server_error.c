/*
** server_error.c - the JSON error response that both the connection
** callbacks (server_conn.c) and the handler call (server_handler.c) send.
** Below both: it calls nothing of theirs.
*/
#include <stdio.h>
#include <string.h>

#include <microhttpd.h>

#include "server_int.h"


/* Appends `s` as JSON string content (no quotes) to buf, never past cap. */
static size_t json_escape (char *buf, size_t at, size_t cap, const char *s) {
  for (; *s != '\0' && at + 7 < cap; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') {
      buf[at++] = '\\';
      buf[at++] = (char)c;
    }
    else if (c < 0x20)
      at += (size_t)snprintf(buf + at, cap - at, "\\u%04x", c);
    else
      buf[at++] = (char)c;
  }
  buf[at] = '\0';
  return at;
}


/* A JSON error response: {"error_code":"<status>","message":"<msg>"}. */
struct MHD_Response *server_error_response (unsigned status,
                                     const char *msg) {
  char buf[2048];
  size_t n = (size_t)snprintf(buf, sizeof buf,
                              "{\"error_code\":\"%u\",\"message\":\"", status);
  struct MHD_Response *res;
  n = json_escape(buf, n, sizeof buf - 3, msg);
  memcpy(buf + n, "\"}", 3);
  res = MHD_create_response_from_buffer(n + 2, buf, MHD_RESPMEM_MUST_COPY);
  if (res != NULL)
    MHD_add_response_header(res, "Content-Type", "application/json");
  return res;
}
