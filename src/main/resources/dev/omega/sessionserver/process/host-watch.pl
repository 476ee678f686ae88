# host-watch.pl: stops a server when the JVM that spawned it dies without stopping it (kill -9, a crash): what
# stopWithHost=true does after the host is gone, when no shutdown hook ran.
#
# Run by HostWatcher as `perl -e <this text> -- PID START_TICKS SIGNAL STOP_TIMEOUT_MS`, a child of the host JVM
# (so its parent is the host; the server may be the host's child too, on the pidfd path, or the shim's):
#   PID START_TICKS  the server, as Java recorded it (field 22 of /proc/<pid>/stat): only that process is meant
#   SIGNAL           the stop signal's number (15 for TERM)
#   STOP_TIMEOUT_MS  how long the server's process group has after the signal before SIGKILL
# stdin, stdout and stderr are /dev/null. It leaves the host's session (the host's terminal's Ctrl-C, a kill of the
# host's process group never reach it) and its working directory.
#
# Every 100 ms it looks at two things:
#   the server   gone (no such PID, a zombie, or other start ticks: the PID was reused): it exits at once, 0.
#                So it never outlives the server.
#   the host     its parent PID changed (the host died and this was reparented): it signals the server's process
#                group (the server leads it), waits up to STOP_TIMEOUT_MS for the group to empty, sends SIGKILL to
#                what is left, and exits 0.
# Identity: the server's start ticks are compared just before the group is signalled; a group id is not reused
# while the group has a member, so the later signals (kill -0 first) reach only what is left of the server's group.
# Loads POSIX only for setsid.

my ($pid, $ticks, $sig, $timeoutMs) = @ARGV;
require POSIX; POSIX::setsid();
chdir '/';
$0 = 'session-server-host-watch';
my $host = getppid();

# Whether the server still runs: its /proc entry, not a zombie, with the recorded start ticks.
sub serverAlive {
  open(my $fh, '<', "/proc/$pid/stat") or return 0;
  my $st = <$fh>; close $fh;
  # The fields after the command name (which may hold spaces and ')') start after the last ')'; $f[0] is field 3.
  my @f = split / /, substr($st, rindex($st, ')') + 2);
  return 0 if $f[0] eq 'Z' || $f[0] eq 'X';
  return $f[19] eq $ticks;
}
sub pause { select(undef, undef, undef, $_[0]) }

while (1) {
  exit 0 unless serverAlive();
  last if getppid() != $host;
  pause(0.1);
}
# The host is gone and the server still runs: stop its process group, as a stop would.
exit 0 unless serverAlive();
kill($sig, -$pid);
# In steps of 50 ms (time() counts whole seconds; Time::HiRes is not loaded).
for (my $waited = 0; $waited < $timeoutMs && kill(0, -$pid); $waited += 50) { pause(0.05) }
kill('KILL', -$pid) if kill(0, -$pid);
exit 0;
