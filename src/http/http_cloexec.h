/*
** http_cloexec.h - close-on-exec for the sockets libcurl opens
** (http_cloexec.c). Not part of any API.
*/
#ifndef FLOWLUA_HTTP_CLOEXEC_H
#define FLOWLUA_HTTP_CLOEXEC_H

#include <curl/curl.h>

typedef struct FdList {
  int *fd;
  int n, cap;
  int ok;          /* the list is complete */
} FdList;

curl_socket_t http_open_socket (void *ud, curlsocktype purpose,
                                struct curl_sockaddr *a);
void http_fds_open (FdList *l);
void http_fds_cloexec_new (FdList *before);

#endif
