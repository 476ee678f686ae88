#!/usr/bin/perl
# A tiny session server for tests that cycle a server hundreds of times (the Java example takes a JVM start each
# time). Listens on 127.0.0.1:$SESSION_SERVER_PORT, answers every request with HTTP 200 and closes the connection;
# SIGTERM keeps its default action (the process ends at once). Only modules of Debian's essential perl-base.
use strict;
use warnings;
use IO::Socket::INET;

my $port = $ENV{SESSION_SERVER_PORT};
# LISTEN_DELAY_MS (optional): waits that long before listening, so that its health check fails until then.
select(undef, undef, undef, $ENV{LISTEN_DELAY_MS} / 1000) if $ENV{LISTEN_DELAY_MS};
die "SESSION_SERVER_PORT is not set\n" unless defined $port && $port =~ /^\d+$/;
my $listener = IO::Socket::INET->new(
    LocalAddr => '127.0.0.1',
    LocalPort => $port,
    Proto     => 'tcp',
    Listen    => 64,
    ReuseAddr => 1,
) or die "cannot listen on 127.0.0.1:$port: $!\n";
$| = 1;
print "fast session server pid $$ listening on 127.0.0.1:$port\n";
while (1) {
    my $client = $listener->accept or next;
    # the request head ends with an empty line; a client that hangs up early just ends the loop
    while (defined(my $line = <$client>)) {
        last if $line =~ /^\r?\n\z/;
    }
    print {$client} "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n";
    close $client;
}
