#!/usr/bin/perl
# A server for the signal and log tests: perl signal-recorder.pl [MARKER [MODE]]
#
# Records every operator signal it gets (HUP, USR1, USR2, WINCH, QUIT): appends "<role> <SIGNAL>" to MARKER and prints
# "signal-recorder: <role> pid <pid> received SIG<SIGNAL>" to its log (stdout), then keeps running. It forks one child
# that does the same with role "child" (the parent's role is "server"), so a test sees a signal reach the whole tree.
# Each writes MARKER.<role>-ready once its handlers are installed.
# MODE "die-on-hup": SIGHUP keeps its default action in both (the process ends on it, exit status 128+1), as in a
# server without a handler for it.
# Without arguments (run by the agent as a serverScript) MARKER and MODE come from the environment:
# SIGNAL_RECORDER_MARKER and SIGNAL_RECORDER_MODE. SIGNAL_RECORDER_TICK_MS=N: the server also prints
# "signal-recorder: tick <n>" (n = 1, 2, ...) every N ms, to grow its log.
# SIGTERM keeps its default action. No health endpoint: run it with healthCheckUrl=none. Only perl-base.
use strict;
use warnings;

my ($marker, $mode) = @ARGV;
$marker = $ENV{SIGNAL_RECORDER_MARKER} unless defined $marker;
$mode = $ENV{SIGNAL_RECORDER_MODE} unless defined $mode;
die "usage: signal-recorder.pl MARKER [die-on-hup] (or SIGNAL_RECORDER_MARKER)\n" unless defined $marker;
$mode = '' unless defined $mode;
my $tick = $ENV{SIGNAL_RECORDER_TICK_MS} || 0;
$| = 1;

sub install {
    my ($role) = @_;
    for my $sig (qw(HUP USR1 USR2 WINCH QUIT)) {
        next if $sig eq 'HUP' && $mode eq 'die-on-hup';
        $SIG{$sig} = sub {
            open(my $f, '>>', $marker) or die "cannot append to $marker: $!\n";
            print $f "$role $sig\n";
            close $f;
            print "signal-recorder: $role pid $$ received SIG$sig\n";
        };
    }
    open(my $r, '>', "$marker.$role-ready") or die "cannot write $marker.$role-ready: $!\n";
    close $r;
}

my $child = fork();
die "fork: $!\n" unless defined $child;
if ($child == 0) {
    install('child');
    sleep 1 while 1;
}
install('server');
print "signal-recorder: server pid $$ child pid $child\n";
my $n = 0;
while (1) {
    if ($tick > 0) {
        select(undef, undef, undef, $tick / 1000);
        $n++;
        print "signal-recorder: tick $n\n";
    } else {
        sleep 1;
    }
}
