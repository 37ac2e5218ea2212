/* kefu-load: a mixed HTTP workload over keep-alive connections, with the
 * latency of each kind of request (wrk measures one kind at a time).
 *
 *   kefu-load --port P [--host 127.0.0.1] [--connections 64] [--threads 2]
 *             [--duration 10] [--rate R] [--header "Name: value"]... MIX.tsv
 *
 * MIX.tsv: one request a line, "OP<TAB>WEIGHT<TAB>METHOD<TAB>PATH<TAB>BODY"
 * (BODY may be empty). Each request picks an OP by the weight of its first
 * line, then one of that OP's lines at random. A thread drives its
 * connections with epoll. Prints JSON: per OP the count, the non-2xx answers,
 * p50/p99/max in ms; the total rate.
 *
 * Without --rate the loop is closed: every connection has one request in
 * flight and sends the next when the answer is in, so the server is
 * saturated and the latency is what its queue makes it (Little's law: the
 * connections ÷ the rate). With --rate R the loop is open: R requests a
 * second are due at fixed intervals whatever the answers, each sent on a
 * connection without a request in flight, and its latency counts from when
 * it was due, so a request that waited for a free connection counts its
 * wait (no "coordinated omission"). Requests still unsent at the end are
 * printed as "behind": the server did not keep up with R. */
#define _GNU_SOURCE /* memmem */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_OPS     32
#define MAX_HEADERS 8
/* latency histogram: 50 µs steps to 200 ms, then 1 ms steps to 10 s, then overflow */
#define FINE_BUCKETS 4000
#define FINE_US      50
#define BUCKETS      (FINE_BUCKETS + 9800)

typedef struct {
    char *name;
    double weight;
    char **reqs; /* whole HTTP requests, ready to send */
    size_t *lens;
    size_t n, cap;
} op_def;

typedef struct {
    uint64_t count, errors, max_us;
    uint64_t hist[BUCKETS + 1];
} op_stats;

typedef struct {
    const op_def *ops;
    int nops;
    double total_weight;
    const struct sockaddr_in *addr;
    int conns;
    double until;
    uint64_t seed;
    double rate, start; /* the open loop: requests a second, from START; 0: closed */
    uint64_t issued;    /* the open loop's requests sent so far */
    op_stats stats[MAX_OPS];
    int failed; /* a connection could not be made or was closed */
} worker;

typedef struct {
    int fd, op;
    int waiting_out; /* EPOLLOUT is watched: the request did not all fit */
    int in_flight;   /* the open loop: a request sent, its answer not all read */
    const char *req;
    size_t req_len, sent;
    char buf[65536];
    size_t got, need; /* need: header end + body, once the header is read */
    double started;
} conn;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t next_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void pick(worker *w, conn *c)
{
    double r = (double)(next_rand(&w->seed) >> 11) / 9007199254740992.0 * w->total_weight;
    int op = 0;
    while (op < w->nops - 1 && r >= w->ops[op].weight) {
        r -= w->ops[op].weight;
        op++;
    }
    const op_def *d = &w->ops[op];
    size_t i = (size_t)(next_rand(&w->seed) % d->n);
    c->op = op;
    c->req = d->reqs[i];
    c->req_len = d->lens[i];
    c->sent = c->got = c->need = 0;
    c->started = now_s();
}

static int connect_to(const struct sockaddr_in *addr)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) != 0) {
        close(fd);
        return -1;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

/* The response's total length once its header is in: header + Content-Length. */
static int parse_header(conn *c)
{
    char *end = memmem(c->buf, c->got, "\r\n\r\n", 4);
    if (!end) return c->got == sizeof(c->buf) ? -1 : 0;
    size_t head = (size_t)(end - c->buf) + 4, body = 0;
    for (char *p = c->buf; p < end; p++) {
        if ((*p == '\n') && strncasecmp(p + 1, "content-length:", 15) == 0) {
            body = strtoull(p + 16, NULL, 10);
            break;
        }
    }
    c->need = head + body;
    return 1;
}

static void record(worker *w, conn *c, double done)
{
    op_stats *s = &w->stats[c->op];
    uint64_t us = (uint64_t)((done - c->started) * 1e6);
    size_t b = us < FINE_BUCKETS * FINE_US ? us / FINE_US
                                           : FINE_BUCKETS + (us - FINE_BUCKETS * FINE_US) / 1000;
    s->hist[b < BUCKETS ? b : BUCKETS]++;
    s->count++;
    if (us > s->max_us) s->max_us = us;
    int status = c->got > 12 ? atoi(c->buf + 9) : 0;
    if (status < 200 || status >= 300) s->errors++;
}

/* Reads what is there; 1 when the response is complete, 0 not yet, -1 closed. */
static int read_some(conn *c)
{
    for (;;) {
        size_t room = sizeof(c->buf) - c->got;
        if (c->need && c->got >= c->need) return 1;
        if (room == 0) { /* a large body: keep the header, count the rest */
            if (!c->need) return -1;
            size_t keep = 16;
            c->need -= c->got - keep;
            c->got = keep;
            continue;
        }
        ssize_t n = read(c->fd, c->buf + c->got, room);
        if (n == 0) return -1;
        if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
        c->got += (size_t)n;
        if (!c->need && parse_header(c) < 0) return -1;
    }
}

static int write_some(conn *c)
{
    while (c->sent < c->req_len) {
        ssize_t n = write(c->fd, c->req + c->sent, c->req_len - c->sent);
        if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
        c->sent += (size_t)n;
    }
    return 1;
}

/* Sends what the socket takes. Write readiness is watched only while a
 * request is partly sent: a socket with room is always writable, and watching
 * it all the time makes epoll_wait return at once, so the client would spin
 * and take the CPU the server is measured on. 0, or -1 when the connection
 * failed. */
static int send_request(int ep, conn *c)
{
    int rc = write_some(c);
    if (rc < 0) return -1;
    if (rc == 0 && !c->waiting_out) {
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
        epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
        c->waiting_out = 1;
    } else if (rc == 1 && c->waiting_out) {
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
        c->waiting_out = 0;
    }
    return 0;
}

/* Gives up on C's connection: the run counts as failed. */
static void drop(worker *w, int ep, conn *c)
{
    w->failed = 1;
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->fd = -1;
}

/* The closed loop: each connection sends its next request as soon as its
 * answer is in. */
static void run_closed(worker *w, int ep, conn *cs)
{
    for (int i = 0; i < w->conns; i++) {
        if (cs[i].fd < 0) continue;
        pick(w, &cs[i]);
        if (send_request(ep, &cs[i]) < 0) drop(w, ep, &cs[i]);
    }
    struct epoll_event evs[64];
    while (now_s() < w->until) {
        int n = epoll_wait(ep, evs, 64, 100);
        for (int i = 0; i < n; i++) {
            conn *c = evs[i].data.ptr;
            int rc = c->sent < c->req_len ? send_request(ep, c) : read_some(c);
            if (rc == 1) { /* an answer read whole: the next request */
                record(w, c, now_s());
                pick(w, c);
                rc = send_request(ep, c);
            }
            if (rc < 0) drop(w, ep, c);
        }
    }
}

/* When the open loop's Nth request is due. */
static double due_at(const worker *w, uint64_t n)
{
    return w->start + (double)n / w->rate;
}

/* Sends each request due by NOW on an idle connection (IDLE holds *NIDLE),
 * timed from when it was due. */
static void send_due(worker *w, int ep, conn **idle, int *nidle, double now)
{
    while (*nidle > 0 && due_at(w, w->issued) <= now) {
        conn *c = idle[--*nidle];
        if (c->fd < 0) continue; /* closed by the server while idle */
        pick(w, c);
        c->in_flight = 1;
        c->started = due_at(w, w->issued++);
        if (send_request(ep, c) < 0) drop(w, ep, c);
    }
}

/* Waits for answers up to SECONDS, or 0 when nothing came; the events in EVS. */
static int wait_events(int ep, struct epoll_event *evs, int max, double seconds)
{
    if (seconds < 0) seconds = 0;
    struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
    int n = epoll_pwait2(ep, evs, max, &ts, NULL);
    if (n < 0 && errno == ENOSYS) /* a kernel before 5.11: whole milliseconds, rounded up */
        n = epoll_wait(ep, evs, max, (int)(seconds * 1000.0 + 0.999));
    return n < 0 ? 0 : n;
}

/* The open loop: requests due at W->rate a second, whatever the answers. */
static void run_open(worker *w, int ep, conn *cs)
{
    conn **idle = calloc((size_t)w->conns, sizeof(*idle));
    int nidle = 0;
    if (!idle) {
        w->failed = 1;
        return;
    }
    for (int i = 0; i < w->conns; i++)
        if (cs[i].fd >= 0) idle[nidle++] = &cs[i];
    w->start += now_s(); /* the connections are made: the schedule starts */
    struct epoll_event evs[64];
    for (double now = now_s(); now < w->until; now = now_s()) {
        send_due(w, ep, idle, &nidle, now);
        double next = nidle > 0 ? due_at(w, w->issued) : now + 0.1;
        int n = wait_events(ep, evs, 64, (next < w->until ? next : w->until) - now);
        for (int i = 0; i < n; i++) {
            conn *c = evs[i].data.ptr;
            if (!c->in_flight) { /* nothing asked: the server closed it */
                drop(w, ep, c);
                continue;
            }
            int rc = c->sent < c->req_len ? send_request(ep, c) : read_some(c);
            if (rc == 1) {
                record(w, c, now_s());
                c->in_flight = 0;
                idle[nidle++] = c;
            }
            if (rc < 0) drop(w, ep, c);
        }
    }
    free(idle);
}

/* The open loop's requests due before W->until and never sent. */
static uint64_t behind(const worker *w)
{
    if (w->rate <= 0 || w->until <= w->start) return 0;
    uint64_t due = (uint64_t)((w->until - w->start) * w->rate) + 1;
    return due > w->issued ? due - w->issued : 0;
}

static void *run_worker(void *arg)
{
    worker *w = arg;
    int ep = epoll_create1(0);
    conn *cs = calloc((size_t)w->conns, sizeof(conn));
    if (ep < 0 || !cs) {
        w->failed = 1;
        free(cs);
        return NULL;
    }
    for (int i = 0; i < w->conns; i++) {
        cs[i].fd = connect_to(w->addr);
        if (cs[i].fd < 0) {
            w->failed = 1;
            continue;
        }
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &cs[i]};
        epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev);
    }
    if (w->rate > 0)
        run_open(w, ep, cs);
    else
        run_closed(w, ep, cs);
    for (int i = 0; i < w->conns; i++)
        if (cs[i].fd >= 0) close(cs[i].fd);
    free(cs);
    close(ep);
    return NULL;
}

/* ---- the mix ---- */

static int add_request(op_def *ops, int *nops, char *line, const char *host, char *headers)
{
    char *f[5] = {0};
    int nf = 0;
    for (char *p = line; nf < 5; nf++) {
        f[nf] = p;
        char *tab = strchr(p, '\t');
        if (!tab) {
            nf++;
            break;
        }
        *tab = 0;
        p = tab + 1;
    }
    if (nf < 4) return -1;
    const char *body = nf >= 5 && f[4] ? f[4] : "";
    op_def *d = NULL;
    for (int i = 0; i < *nops; i++)
        if (strcmp(ops[i].name, f[0]) == 0) d = &ops[i];
    if (!d) {
        if (*nops == MAX_OPS) return -1;
        d = &ops[(*nops)++];
        d->name = strdup(f[0]);
        d->weight = atof(f[1]);
    }
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 64;
        d->reqs = realloc(d->reqs, d->cap * sizeof(char *));
        d->lens = realloc(d->lens, d->cap * sizeof(size_t));
    }
    size_t blen = strlen(body), cap = strlen(f[3]) + blen + strlen(headers) + 256;
    char *req = malloc(cap);
    int len = snprintf(req, cap,
                       "%s %s HTTP/1.1\r\nHost: %s\r\n%sContent-Type: application/json\r\n"
                       "Content-Length: %zu\r\n\r\n%s",
                       f[2], f[3], host, headers, blen, body);
    d->reqs[d->n] = req;
    d->lens[d->n++] = (size_t)len;
    return 0;
}

static double quantile(const op_stats *s, double q)
{
    uint64_t want = (uint64_t)(q * (double)s->count + 0.5), seen = 0;
    for (int b = 0; b <= BUCKETS; b++) {
        seen += s->hist[b];
        if (seen >= want && seen > 0)
            return b < FINE_BUCKETS ? (double)((b + 1) * FINE_US) / 1000.0
                                    : 200.0 + (double)(b - FINE_BUCKETS + 1);
    }
    return (double)s->max_us / 1000.0;
}

int main(int argc, char **argv)
{
    const char *host = "127.0.0.1", *mix = NULL;
    int port = 0, conns = 64, threads = 2;
    double duration = 10, rate = 0;
    char headers[4096] = "";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--host") == 0 && i + 1 < argc)
            host = argv[++i];
        else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
            port = atoi(argv[++i]);
        else if (strcmp(argv[i], "--connections") == 0 && i + 1 < argc)
            conns = atoi(argv[++i]);
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (strcmp(argv[i], "--duration") == 0 && i + 1 < argc)
            duration = atof(argv[++i]);
        else if (strcmp(argv[i], "--rate") == 0 && i + 1 < argc)
            rate = atof(argv[++i]);
        else if (strcmp(argv[i], "--header") == 0 && i + 1 < argc) {
            size_t used = strlen(headers);
            snprintf(headers + used, sizeof(headers) - used, "%s\r\n", argv[++i]);
        } else
            mix = argv[i];
    }
    if (!mix || port <= 0 || conns < 1 || threads < 1 || threads > conns || rate < 0) {
        fprintf(stderr, "usage: kefu-load --port P [--connections N] [--threads T]"
                        " [--duration S] [--rate R] [--header H]... MIX.tsv\n");
        return 2;
    }
    FILE *f = fopen(mix, "r");
    if (!f) {
        perror(mix);
        return 2;
    }
    static op_def ops[MAX_OPS];
    int nops = 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = 0;
        if (n && add_request(ops, &nops, line, host, headers) != 0) {
            fprintf(stderr, "kefu-load: bad line in %s\n", mix);
            return 2;
        }
    }
    free(line);
    fclose(f);
    double total_weight = 0;
    for (int i = 0; i < nops; i++)
        total_weight += ops[i].weight;
    if (!nops || total_weight <= 0) {
        fprintf(stderr, "kefu-load: no requests in %s\n", mix);
        return 2;
    }
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, host, &addr.sin_addr);
    worker *ws = calloc((size_t)threads, sizeof(worker));
    pthread_t *ts = calloc((size_t)threads, sizeof(pthread_t));
    double start = now_s();
    for (int t = 0; t < threads; t++) {
        /* the threads' schedules interleave: thread T's first request is due T / RATE in */
        ws[t] = (worker){.ops = ops,
                         .nops = nops,
                         .total_weight = total_weight,
                         .addr = &addr,
                         .conns = conns / threads + (t < conns % threads),
                         .until = start + duration,
                         .seed = 0x1234567ull + (uint64_t)t * 7919,
                         .rate = rate / threads,
                         .start = rate > 0 ? (double)t / rate : 0};
        pthread_create(&ts[t], NULL, run_worker, &ws[t]);
    }
    int failed = 0;
    uint64_t late = 0;
    for (int t = 0; t < threads; t++) {
        pthread_join(ts[t], NULL);
        failed |= ws[t].failed;
        late += behind(&ws[t]);
    }
    double secs = now_s() - start;
    uint64_t all = 0;
    printf("{\"seconds\": %.3f, \"connections\": %d, \"closed\": %s, \"ops\": {", secs, conns,
           failed ? "true" : "false");
    for (int i = 0; i < nops; i++) {
        op_stats s = {0};
        for (int t = 0; t < threads; t++) {
            const op_stats *x = &ws[t].stats[i];
            s.count += x->count;
            s.errors += x->errors;
            if (x->max_us > s.max_us) s.max_us = x->max_us;
            for (int b = 0; b <= BUCKETS; b++)
                s.hist[b] += x->hist[b];
        }
        all += s.count;
        printf("%s\"%s\": {\"count\": %llu, \"errors\": %llu, \"rps\": %.1f, \"p50_ms\": %.2f,"
               " \"p99_ms\": %.2f, \"max_ms\": %.2f}",
               i ? ", " : "", ops[i].name, (unsigned long long)s.count,
               (unsigned long long)s.errors, (double)s.count / secs, quantile(&s, 0.5),
               quantile(&s, 0.99), (double)s.max_us / 1000.0);
    }
    printf("}, \"rps\": %.1f", (double)all / secs);
    if (rate > 0)
        printf(", \"offered_rps\": %.1f, \"behind\": %llu", rate, (unsigned long long)late);
    printf("}\n");
    free(ws);
    free(ts);
    return 0;
}
