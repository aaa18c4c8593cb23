/*
** http_cloexec.c - the client's sockets are closed on exec. A script or
** a spec may spawn children (os.execute, io.popen); without FD_CLOEXEC
** every child would inherit libcurl's open connections (and could keep
** them open past our close, or write into them) and the multi's wakeup
** pair. libcurl 7.88 opens both without it.
*/
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>

#include <curl/curl.h>

#include "http_cloexec.h"


/* CURLOPT_OPENSOCKETFUNCTION: libcurl's own socket(), close-on-exec from
** the start, so no exec in another thread can catch it open. */
curl_socket_t http_open_socket (void *ud, curlsocktype purpose,
                                struct curl_sockaddr *a) {
  int fd;
  (void)ud;
  (void)purpose;
  fd = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
  return fd < 0 ? CURL_SOCKET_BAD : fd;
}


/* ---------------------------------------------------------------------
** Descriptors libcurl opens without asking us: curl_multi_init's wakeup
** socketpair. They are found as the descriptors that appear across the
** call (/proc/self/fd before and after). Another thread opening one in
** between gets FD_CLOEXEC too, which only our server threads could do,
** and they set it themselves.
** ------------------------------------------------------------------- */

static int add_fd (FdList *l, int fd) {
  if (l->n == l->cap) {
    int cap = l->cap ? l->cap * 2 : 64;
    int *p = (int *)realloc(l->fd, (size_t)cap * sizeof *p);
    if (p == NULL) return -1;
    l->fd = p;
    l->cap = cap;
  }
  l->fd[l->n++] = fd;
  return 0;
}


/* The process's open descriptors; an empty list when /proc is absent
** (then nothing is marked afterwards either). */
void http_fds_open (FdList *l) {
  DIR *d = opendir("/proc/self/fd");
  struct dirent *e;
  l->fd = NULL;
  l->n = l->cap = 0;
  l->ok = d != NULL;
  if (d == NULL) return;
  while ((e = readdir(d)) != NULL) {
    char *end;
    long fd = strtol(e->d_name, &end, 10);
    /* the listing's own descriptor is closed below and may come back */
    if (*end != '\0' || end == e->d_name || fd == dirfd(d)) continue;
    if (add_fd(l, (int)fd) != 0) {
      l->ok = 0;
      break;
    }
  }
  closedir(d);
}


static int listed (const FdList *l, int fd) {
  int i;
  for (i = 0; i < l->n; i++)
    if (l->fd[i] == fd) return 1;
  return 0;
}


/* Marks close-on-exec every descriptor open now that `before` lacks;
** frees `before`. */
void http_fds_cloexec_new (FdList *before) {
  FdList now;
  int i;
  http_fds_open(&now);
  for (i = 0; before->ok && now.ok && i < now.n; i++) {
    int fd = now.fd[i], flags;
    if (listed(before, fd)) continue;
    flags = fcntl(fd, F_GETFD);
    if (flags >= 0 && !(flags & FD_CLOEXEC))
      fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
  }
  free(now.fd);
  free(before->fd);
  before->fd = NULL;
}
