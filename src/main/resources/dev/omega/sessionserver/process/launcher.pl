# launcher.pl: starts the session server detached, with a double fork, as container runtimes do with their shims.
#
# Run by ServerLauncher as `perl -e <this text> -- LOG EXIT MASK_NR SETSID_NR ACTION_NR FLAGS SERVER_ARGV...`
# (LauncherScript.argv), with stdout and stderr a pipe to Java:
#   LOG        the server's log, appended to; '' for /dev/null
#   EXIT       the exit file the shim writes the server's wait status to; '' for none
#   MASK_NR    the rt_sigprocmask system call number; 0: use the POSIX module (not Linux x86_64/aarch64)
#   SETSID_NR  the setsid system call number; 0: POSIX
#   ACTION_NR  the rt_sigaction system call number; 0: POSIX
#   FLAGS      LOG_OPEN,O_APPEND,F_SETFL,EXIT_TMP_OPEN as decimal numbers; '': use the Fcntl module
# Given the numbers, nothing but Perl itself is loaded (Fcntl costs a few ms, POSIX tens of ms).
#
# Three processes:
#   the launcher  this program as Java started it, the JVM's child: forks the shim, relays the status pipe to
#                 Java, exits. So the JDK's reaper thread for it is released within milliseconds.
#   the shim      a session of its own, deaf to the terminal's and a stop's signals: forks the server, tells Java
#                 its PID, lets go of everything of the host's, waits for the server, writes the exit file.
#   the server    resets its signals, starts its own session and process group, opens its log safely, execs.
#
# What Java reads (ServerLauncher.launchWithPerl; the prefixes are LauncherScript.PID_PREFIX and ERROR_PREFIX):
#   "omega-launcher-pid: <pid>"              the server's PID, from the shim
#   "omega-launcher-error: <code> <reason>"  a failure before the server's exec; the process that failed exits
#                                            with <code>: 125 the log file is refused, 124 anything else
# A server that cannot be exec'd exits 127 (not found) or 126 (not executable), its reason in its log.

my ($log, $exit, $maskNr, $setsidNr, $actionNr, $fl) = splice(@ARGV, 0, 6);
# "+ 0": numbers, not strings (fcntl would take a string for a pointer).
my ($logFlags, $appendFlag, $setfl, $tmpFlags) = map { $_ + 0 } split /,/, $fl;
unless ($logFlags) { require Fcntl; $appendFlag = Fcntl::O_APPEND(); $setfl = Fcntl::F_SETFL();
  # The log: write-only, appended to, created when missing; O_NOFOLLOW: a symbolic link is refused (ELOOP), never
  # followed; O_NOCTTY: a terminal never becomes the server's controlling terminal; O_NONBLOCK: a FIFO planted in
  # its place fails (ENXIO) instead of blocking the open forever.
  $logFlags = Fcntl::O_WRONLY()|$appendFlag|Fcntl::O_CREAT()|Fcntl::O_NOFOLLOW()|Fcntl::O_NOCTTY()
    |Fcntl::O_NONBLOCK();
  # The exit file's temporary: created new (O_EXCL: never an existing file, nor through a symbolic link).
  $tmpFlags = Fcntl::O_WRONLY()|Fcntl::O_CREAT()|Fcntl::O_EXCL()|Fcntl::O_NOFOLLOW() }

# Where a failure is told: Java's pipe (stderr) in the launcher, the status pipe in the shim and the server.
my $report = \*STDERR;
sub fail { syswrite($report, 'omega-launcher-error: ' . "$_[0] $_[1]\n"); exit $_[0] }
# Whether errno number $n is one of the named errors. Perl's Errno module (behind %!) is loaded here, on a failure
# path only: naming %! anywhere in the program would load it at compile time, about 1 ms on every launch. The caller
# saves $! first: require may change it.
sub errnoIs { my ($n, @names) = @_; require Errno;
  for (@names) { my $c = Errno->can($_); return 1 if $c && $n == $c->() } 0 }
sub newSession { if ($setsidNr) { syscall($setsidNr) >= 0 or fail(124, "setsid: $!") }
  else { require POSIX; defined POSIX::setsid() or fail(124, "setsid: $!") } }

# The status pipe (close-on-exec, as Perl makes every descriptor above 2, so the server never holds it past its
# exec): the shim tells the PID on it and the server a failure before its exec. The launcher relays it to Java and
# only then exits, because the JDK drains and closes the child's output when the child exits: nothing written later
# would reach Java. The pipe reaches its end when the shim has closed it and the server has exec'd (or exited).
pipe(my $sr, my $sw) or fail(124, "pipe: $!");
my $shim = fork; defined $shim or fail(124, "fork: $!");
if ($shim) {
  # The launcher: relays everything, then exits 0 (the failure's code is in the relayed line).
  close $sw; my ($all, $buf) = ('', '');
  while (sysread($sr, $buf, 4096)) { $all .= $buf }
  syswrite(STDOUT, $all) if length $all; exit 0 }

# The shim, and (after the next fork) the server. A session of its own: the host's terminal and process group, and
# their signals, no longer reach it; it is no member of the server's group or session, so a stop never signals it.
close $sr; $report = $sw;
newSession();
$SIG{$_} = 'IGNORE' for qw(TERM INT HUP QUIT);
my $pid = fork; defined $pid or fail(124, "fork: $!");
if ($pid) {
  # The shim: tells Java the server's PID, then lets go of Java's pipe.
  syswrite($sw, 'omega-launcher-pid: ' . "$pid\n"); close $sw;
  # The server's start time (field 22 of /proc/<pid>/stat, clock ticks since boot), for the exit file: with the PID
  # it names this one process, never a later one that reuses the PID. The fields after the command name (which may
  # hold spaces and ')') start after the last ')'; $f[0] is field 3.
  my $ticks = -1;
  if (open(my $st, '<', "/proc/$pid/stat")) { my $s = <$st>; close $st;
    my @f = split / /, substr($s, rindex($s, ')') + 2); $ticks = $f[19] if defined $f[19] }
  # Its name in ps (argv[0]); on Linux this also blanks what /proc/<pid>/environ shows of its environment.
  $0 = 'session-server-shim';
  # Lets go of every descriptor of the host's (the status pipe is closed; Java's pipe is 0-2) and of its working
  # directory, so that nothing of the host's is held open or busy while the server lives.
  open(STDIN, '<', '/dev/null'); open(STDOUT, '>', '/dev/null'); open(STDERR, '>&', \*STDOUT);
  chdir '/';
  # Waits for the server, its parent: it reaps the server at once (no zombie lingers), and it alone learns the
  # server's wait status (exit code or signal), which it records below.
  waitpid($pid, 0) == $pid or exit 1;
  my $status = $?;
  exit 0 if $exit eq '';
  # The exit file (read by SpawnedServerExits): written whole to a temporary file created new, 0644 (the umask can
  # only remove bits), then renamed over the exit file, so a reader sees all of it or none of it.
  my $tmp = "$exit.$$.tmp";
  sysopen(my $fh, $tmp, $tmpFlags, 0644) or exit 1;
  my $text = "pid=$pid\nstart-ticks=$ticks\nwait-status=$status\n";
  (syswrite($fh, $text) == length($text) and close($fh) and rename($tmp, $exit)) or unlink($tmp);
  exit 0;
}

# The server's process, before its exec. Every signal back to its default disposition and an empty signal mask: a
# Java host's children inherit some signals blocked (SIGQUIT under Java 17) and the shim ignores four; both survive
# an exec, and the server must be able to receive them.
if ($maskNr) {
  # The raw system calls (Linux x86_64 and aarch64) reach every signal 1-64, also the real-time ones the C library
  # reserves, with one call each and no %SIG loop (three system calls a signal). A zeroed struct sigaction is
  # SIG_DFL with no flags; KILL (9) and STOP (19) cannot be changed. The last argument is the kernel's sigset size.
  my $dfl = "\0" x 32;
  for my $sig (1 .. 64) { syscall($actionNr, $sig, $dfl, 0, 8) unless $sig == 9 || $sig == 19 }
  # SIG_SETMASK (2) to the empty set.
  my $set = "\0" x 8; syscall($maskNr, 2, $set, 0, 8) == 0 or fail(124, "sigprocmask: $!");
} else {
  for (keys %SIG) { $SIG{$_} = 'DEFAULT' unless /^(?:KILL|STOP|__[A-Z]+__)$/ }
  require POSIX;
  POSIX::sigprocmask(POSIX::SIG_SETMASK(), POSIX::SigSet->new) or fail(124, "sigprocmask: $!");
}
# A session and process group of its own, led by the server: the host's terminal and death do not reach it, and a
# stop signals its whole group.
newSession();

# The log, on stdout and stderr. Opened here, in the server's own process, with O_NOFOLLOW (see the flags above): no
# race between a check and the open can be won by a symbolic link planted meanwhile.
my $fh;
if ($log eq '') { open($fh, '>', '/dev/null') or fail(124, "/dev/null: $!") }
else {
  unless (sysopen($fh, $log, $logFlags, 0644)) {
    my ($errno, $reason) = ($! + 0, "$!");
    # ELOOP (EMLINK on some BSDs): the last component is a symbolic link; ENXIO: a FIFO without a reader, a socket.
    fail(125, "log file '${log}': " . (errnoIs($errno, 'ELOOP', 'EMLINK')
      ? 'it is a symbolic link, which is never written through'
      : errnoIs($errno, 'ENXIO') ? 'it is a FIFO or socket, not a regular file' : $reason));
  }
  # fstat of what was opened (not a second lookup by name): a regular file (not a device, a FIFO, a socket) owned by
  # the effective user, else it is refused.
  my @st = stat($fh);
  -f _ or fail(125, "log file '${log}': it is not a regular file");
  $st[4] == $> or fail(125, "log file '${log}': it belongs to uid $st[4], not to uid $>");
  # O_NONBLOCK off again (only O_APPEND kept): the server gets a normal, blocking descriptor.
  fcntl($fh, $setfl, $appendFlag) or fail(124, "fcntl: $!");
}
open(STDOUT, '>&', $fh) or fail(124, "dup: $!");
# stdout is the log now: a failure from here on can only go there.
open(STDERR, '>&', $fh) or exit 124;
close $fh;
# The server replaces this program in the same process (same PID, the one the shim told Java). The block form
# never runs it through a shell, even with a single argument. The status pipe closes on the exec.
exec { $ARGV[0] } @ARGV;
# Still here: the exec failed. 127 when there is no such program (as a shell says), 126 when it cannot be run.
my ($errno, $e) = ($! + 0, "$!");
print STDERR "cannot execute $ARGV[0]: $e\n"; exit(errnoIs($errno, 'ENOENT') ? 127 : 126);
