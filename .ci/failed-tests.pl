#!/usr/bin/perl
# Prints every failed or errored test case in the surefire/failsafe XML reports under the given
# directory (default: target): the report directory, class, test and the first 600 characters of its message.
# Reads only; exits 0 whether or not failures were found.
use strict;
use warnings;

my $root = shift // 'target';
my @reports = (glob("$root/surefire-reports*/TEST-*.xml"), glob("$root/failsafe-reports*/TEST-*.xml"));
my $found = 0;
for my $report (@reports) {
    open(my $in, '<', $report) or next;
    my ($dir) = $report =~ m{([^/]+)/[^/]+$};
    my ($name, $class) = ('?', '?');
    while (my $line = <$in>) {
        if ($line =~ /<testcase\b([^>]*)>/) {
            my $attrs = $1;
            ($name) = $attrs =~ /\bname="([^"]*)"/;
            ($class) = $attrs =~ /\bclassname="([^"]*)"/;
        }
        if ($line =~ /<(failure|error)\b([^>]*)>?(.*)/) {
            my ($kind, $attrs, $rest) = ($1, $2, $3);
            my ($message) = $attrs =~ /message="([^"]*)"/;
            $message //= $rest;
            $found = 1;
            printf "FAILED (%s, %s): %s.%s\n    %s\n", $dir, $kind, $class // '?', $name // '?', substr($message, 0, 600);
        }
    }
    close($in);
}
print "no failed test case in the reports under $root (the failure came from elsewhere)\n" unless $found;
exit 0;
