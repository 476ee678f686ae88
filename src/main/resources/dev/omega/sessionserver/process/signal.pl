# signal.pl: sends one signal to processes, each only while it is still the process that was meant.
#
# Run as `perl -e <this text> -- SIGNAL PID:START_TICKS...` (ProcessTree.sendSignal). SIGNAL is a name without
# "SIG" (TERM, CONT, HUP, ...). START_TICKS is field 22 of /proc/<pid>/stat (the process's start time in clock
# ticks since boot) as Java read it when it found the process. A PID can be reused once its process has exited;
# the start ticks cannot be the same for two processes with the same PID, so comparing them just before the kill
# (within microseconds, in one program) is what keeps a stop from signalling a stranger. Java cannot do this:
# ProcessHandle.destroy() knows only SIGTERM and SIGKILL.
#
# Exit code: 0, whatever happened; a process already gone or reused is skipped silently (nothing to stop). Loads no
# module: only Perl's own start-up is paid.

my $sig = shift;
for (@ARGV) {
  my ($pid, $ticks) = split /:/;
  # Gone already: nothing to signal.
  open(my $fh, '<', "/proc/$pid/stat") or next;
  my $st = <$fh>; close $fh;
  # The command name (field 2, in parentheses) may hold spaces and ')': the fields after it start after the last ')'.
  $st =~ s/^.*\) //s or next;
  my @f = split / /, $st;
  # $f[0] is field 3 (the state), so field 22 (start time) is $f[19].
  kill($sig, $pid) if $f[19] eq $ticks;
}
