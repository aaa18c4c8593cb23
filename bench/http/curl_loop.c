/*
** curl_loop.c - the anchor for bench/http: plain C libcurl clients.
**
**   curl_loop seq URL N       N sequential GETs on one reused easy handle
**   curl_loop par URL N C     N GETs through one multi, C at a time
**
** Prints the elapsed seconds. Bodies are discarded; a failed transfer or
** a status other than 200 aborts the run, so a broken server cannot make
** the anchor look fast.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

static double now (void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t discard (char *p, size_t size, size_t n, void *ud) {
  (void)p;
  (void)ud;
  return size * n;
}

static void check (CURL *e, CURLcode rc) {
  long status = 0;
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
  if (rc != CURLE_OK || status != 200) {
    fprintf(stderr, "curl_loop: %s, status %ld\n", curl_easy_strerror(rc),
            status);
    exit(1);
  }
}

static CURL *new_easy (const char *url) {
  CURL *e = curl_easy_init();
  curl_easy_setopt(e, CURLOPT_URL, url);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  return e;
}

static void run_seq (const char *url, long n) {
  CURL *e = new_easy(url);
  long i;
  for (i = 0; i < n; i++) check(e, curl_easy_perform(e));
  curl_easy_cleanup(e);
}

static void run_par (const char *url, long n, long c) {
  CURLM *m = curl_multi_init();
  long started = 0, done = 0;
  int running = 0;
  curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, c);
  curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, c);  /* keep all c alive */
  while (done < n) {
    CURLMsg *msg;
    int left, finished = 0;
    while (started < n && started - done < c) {
      curl_multi_add_handle(m, new_easy(url));
      started++;
    }
    curl_multi_perform(m, &running);
    while ((msg = curl_multi_info_read(m, &left)) != NULL) {
      if (msg->msg != CURLMSG_DONE) continue;
      check(msg->easy_handle, msg->data.result);
      curl_multi_remove_handle(m, msg->easy_handle);
      curl_easy_cleanup(msg->easy_handle);
      done++;
      finished++;
    }
    /* start the replacements before sleeping */
    if (finished == 0) curl_multi_poll(m, NULL, 0, 1000, NULL);
  }
  curl_multi_cleanup(m);
}

int main (int argc, char **argv) {
  double t0;
  if (argc < 4 || (strcmp(argv[1], "par") == 0 && argc < 5)) {
    fprintf(stderr, "usage: curl_loop seq URL N | par URL N C\n");
    return 2;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  t0 = now();
  if (strcmp(argv[1], "seq") == 0) run_seq(argv[2], atol(argv[3]));
  else run_par(argv[2], atol(argv[3]), atol(argv[4]));
  printf("%.6f\n", now() - t0);
  curl_global_cleanup();
  return 0;
}
