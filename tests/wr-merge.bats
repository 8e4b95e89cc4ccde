#!/usr/bin/env bats
# wr-merge: ratings and scored lists in, one scored word list out.

setup() {
	load helper
	cd "$FIX" || return 1
}

# Ratings on the default 1:5 scale: ice cream 5 4 2, oleo 2 1, zebra 4 5, aardvark 3.

@test "dict output is KEY;SCORE with the mean on 0 to 100" {
	run -0 wr-merge -q merge-ratings.tsv
	assert_output - <<-'EOF'
	AARDVARK;50
	ICECREAM;67
	OLEO;13
	ZEBRA;88
	EOF
}

@test "-f dict is the default" {
	run -0 wr-merge -q -f dict merge-ratings.tsv
	assert_output - <<-'EOF'
	AARDVARK;50
	ICECREAM;67
	OLEO;13
	ZEBRA;88
	EOF
}

@test "tsv output keeps the first spelling and two decimals" {
	run -0 wr-merge -q -f tsv merge-ratings.tsv
	assert_output - <<-'EOF'
	aardvark	50
	ice cream	66.67
	oleo	12.5
	zebra	87.5
	EOF
}

@test "-a mean is the default" {
	run -0 wr-merge -q -a mean -f tsv merge-ratings.tsv
	assert_output - <<-'EOF'
	aardvark	50
	ice cream	66.67
	oleo	12.5
	zebra	87.5
	EOF
}

@test "-a median takes the middle score, or the mean of the middle two" {
	run -0 wr-merge -q -a median -f tsv merge-ratings.tsv
	assert_output - <<-'EOF'
	aardvark	50
	ice cream	75
	oleo	12.5
	zebra	87.5
	EOF
}

@test "-a min takes the lowest score" {
	run -0 wr-merge -q -a min merge-ratings.tsv
	assert_output - <<-'EOF'
	AARDVARK;50
	ICECREAM;25
	OLEO;0
	ZEBRA;75
	EOF
}

@test "-a max takes the highest score" {
	run -0 wr-merge -q --combine=max merge-ratings.tsv
	assert_output - <<-'EOF'
	AARDVARK;50
	ICECREAM;100
	OLEO;25
	ZEBRA;100
	EOF
}

@test "--to rescales onto another output scale" {
	run -0 wr-merge -q --to 0:60 merge-ratings.tsv
	assert_output - <<-'EOF'
	AARDVARK;30
	ICECREAM;40
	OLEO;8
	ZEBRA;53
	EOF
}

@test "-t 1:5 keeps the models' own scale" {
	run -0 wr-merge -q -f tsv -t 1:5 merge-ratings.tsv
	assert_output - <<-'EOF'
	aardvark	3
	ice cream	3.67
	oleo	1.5
	zebra	4.5
	EOF
}

@test "rounding is half away from zero, below zero too" {
	run -0 wr-merge -q -t -10:10 - <<-'EOF'
	a	1.5
	b	4.5
	c	3
	EOF
	assert_output - <<-'EOF'
	A;-8
	B;8
	C;0
	EOF
}

@test "-s gives each input its own scale (the man page example)" {
	run -0 wr-merge -q -s 0:60 merge-stwl.dict -s 0:100 merge-broda.txt -s 1:5 merge-ratings.tsv
	assert_output - <<-'EOF'
	AARDVARK;67
	ICECREAM;78
	OLEO;24
	QUIXOTIC;92
	XYLYL;10
	ZEBRA;88
	EOF
}

@test "files before any -s are on the default 1:5 scale" {
	run -0 wr-merge -q merge-ratings.tsv -s 0:60 merge-stwl.dict -s 0:100 merge-broda.txt
	assert_output - <<-'EOF'
	AARDVARK;67
	ICECREAM;78
	OLEO;24
	QUIXOTIC;92
	XYLYL;10
	ZEBRA;88
	EOF
}

@test "the last -s sets the scale of standard input" {
	run -0 wr-merge -q -s 0:60 < merge-stwl.dict
	assert_output - <<-'EOF'
	AARDVARK;83
	ICECREAM;100
	OLEO;50
	QUIXOTIC;92
	EOF
}

@test "a base list wins and keeps its unrated entries" {
	run -0 wr-merge -q -B merge-base.dict merge-ratings.tsv
	assert_output - <<-'EOF'
	AARDVARK;50
	ETUI;40
	ICECREAM;67
	OLEO;5
	ZEBRA;88
	EOF
}

@test "a base list wins wherever it stands and gives tsv its spelling" {
	run -0 wr-merge -q -f tsv merge-ratings.tsv --base merge-base.dict
	assert_output - <<-'EOF'
	aardvark	50
	Etui	40
	ice cream	66.67
	OLEO	5
	zebra	87.5
	EOF
}

@test "a -s before -B sets the base list's scale" {
	run -0 wr-merge -q -s 0:60 -B merge-stwl.dict -s 1:5 merge-ratings.tsv
	assert_output - <<-'EOF'
	AARDVARK;83
	ICECREAM;100
	OLEO;50
	QUIXOTIC;92
	ZEBRA;88
	EOF
}

@test "the first base list to score a key wins" {
	run -0 wr-merge -q -B merge-base.dict -B <(printf 'oleo;99\nnew;70\n') merge-ratings.tsv
	assert_output - <<-'EOF'
	AARDVARK;50
	ETUI;40
	ICECREAM;67
	NEW;70
	OLEO;5
	ZEBRA;88
	EOF
}

@test "a base score outside the output scale is rejected" {
	run -1 --separate-stderr wr-merge -q -B <(printf 'oleo;120\n') merge-ratings.tsv
	assert_output - <<-'EOF'
	AARDVARK;50
	ICECREAM;67
	OLEO;13
	ZEBRA;88
	EOF
	[[ $stderr =~ ^wr-merge:\ .+:1:\ score\ 120\ outside\ the\ scale\ 0:100,\ line\ skipped$ ]]
}

@test "--min leaves out entries below it, base entries too" {
	run -0 --separate-stderr wr-merge --min 50 -B merge-base.dict merge-ratings.tsv
	assert_output - <<-'EOF'
	AARDVARK;50
	ICECREAM;67
	ZEBRA;88
	EOF
	assert_equal "$stderr" "wr-merge: 3 entries written, 2 below the minimum; 10 scores read, 0 bad lines"
}

@test "--min compares the score as written" {
	run -0 wr-merge -q -m 13 merge-ratings.tsv
	assert_output - <<-'EOF'
	AARDVARK;50
	ICECREAM;67
	OLEO;13
	ZEBRA;88
	EOF
}

@test "case, spaces, hyphens and accents fold into one key" {
	run -0 wr-merge -q merge-accents.tsv
	assert_output - <<-'EOF'
	CAFE;50
	CREMEBRULEE;50
	LODZ;75
	OEUVRE;25
	SAOPAULO;50
	STEFAN;100
	STRASSE;75
	東京;50
	EOF
}

@test "tsv writes each folded entry as first spelled" {
	run -0 wr-merge -q -f tsv merge-accents.tsv
	assert_output - <<-'EOF'
	café	50
	Crème Brûlée	50
	Łódź	75
	Œuvre	25
	São Paulo	50
	Ștefan	100
	straße	75
	東京	50
	EOF
}

@test "rating lines with wr-parse -l fields merge" {
	run -0 wr-merge -q merge-ratings-l.tsv
	assert_output - <<-'EOF'
	ICECREAM;75
	OLEO;25
	EOF
}

@test "CRLF line ends, blank lines and comments are accepted" {
	run -0 --separate-stderr wr-merge -s 0:60 merge-crlf.dict
	assert_output - <<-'EOF'
	ICECREAM;100
	OLEO;50
	EOF
	assert_equal "$stderr" "wr-merge: 2 entries written, 0 below the minimum; 2 scores read, 0 bad lines"
}

@test "bad lines are reported with file and line while the rest flows" {
	cd "$BATS_TEST_TMPDIR"
	{
		printf 'good\t4\n'
		printf 'nosep\n'
		printf ';50\n'
		printf 'oleo\t \n'
		printf 'zebra\thigh\n'
		printf -- '---\t3\n'
		printf 'nul\0x\t3\n'
		printf 'bad\xff\t3\n'
		printf 'long%5000s\t3\n' ''
		printf 'etui\t2\n'
	} > bad.tsv
	run -1 --separate-stderr wr-merge bad.tsv
	assert_output - <<-'EOF'
	ETUI;25
	GOOD;75
	EOF
	assert_equal "$stderr" "wr-merge: bad.tsv:2: no score, line skipped
wr-merge: bad.tsv:3: no entry, line skipped
wr-merge: bad.tsv:4: no score, line skipped
wr-merge: bad.tsv:5: score \"high\" is not a number, line skipped
wr-merge: bad.tsv:6: entry \"---\" has no letters or digits, line skipped
wr-merge: bad.tsv:7: line holds a NUL byte, skipped
wr-merge: bad.tsv:8: invalid UTF-8, line skipped
wr-merge: bad.tsv:9: line longer than 4096 bytes, skipped
wr-merge: 2 entries written, 0 below the minimum; 2 scores read, 8 bad lines"
}

@test "scores that are not plain decimals are rejected" {
	run -1 --separate-stderr wr-merge -q - <<-'EOF'
	a	nan
	b	0x3
	c	1e0
	d	+3.
	e	.5e1
	EOF
	assert_output "D;50"
	assert_equal "$stderr" 'wr-merge: -:1: score "nan" is not a number, line skipped
wr-merge: -:2: score "0x3" is not a number, line skipped
wr-merge: -:3: score "1e0" is not a number, line skipped
wr-merge: -:5: score ".5e1" is not a number, line skipped'
}

@test "a score outside its input's scale is rejected" {
	run -1 --separate-stderr wr-merge -q -s 0:60 - <<-'EOF'
	oleo;61
	etui;-1
	aloe;60
	EOF
	assert_output "ALOE;100"
	assert_equal "$stderr" "wr-merge: -:1: score 61 outside the scale 0:60, line skipped
wr-merge: -:2: score -1 outside the scale 0:60, line skipped"
}

@test "output is sorted by key bytewise, whatever the input order" {
	run -0 wr-merge -q - <<-'EOF'
	zulu	3
	b2	3
	B10	3
	alpha	3
	ALP	3
	10	3
	EOF
	assert_output - <<-'EOF'
	10;50
	ALP;50
	ALPHA;50
	B10;50
	B2;50
	ZULU;50
	EOF
}

@test "the same inputs in another order give the same output" {
	reversed() { tac merge-ratings.tsv | wr-merge -q -a median; }
	run -0 reversed
	assert_output - <<-'EOF'
	AARDVARK;50
	ICECREAM;75
	OLEO;13
	ZEBRA;88
	EOF
}

@test "- reads standard input among the files" {
	run -0 wr-merge -q -s 0:100 merge-broda.txt -s 0:60 - < merge-stwl.dict
	assert_output - <<-'EOF'
	AARDVARK;83
	ICECREAM;95
	OLEO;35
	QUIXOTIC;92
	XYLYL;10
	EOF
}

@test "usage errors exit 2" {
	run -2 --separate-stderr wr-merge -a mode merge-ratings.tsv
	assert_output ""
	assert_equal "$stderr" "wr-merge: -a mode: expected mean, median, min or max"
	run -2 --separate-stderr wr-merge -f csv merge-ratings.tsv
	assert_equal "$stderr" "wr-merge: -f csv: expected dict or tsv"
	run -2 --separate-stderr wr-merge -t 5:1 merge-ratings.tsv
	assert_equal "$stderr" "wr-merge: -t 5:1: LO must be below HI"
	run -2 --separate-stderr wr-merge --bogus
	assert_output ""
	assert_equal "${stderr_lines[0]}" "wr-merge: unrecognized option '--bogus'"
	assert_equal "${stderr_lines[1]}" "usage: wr-merge [-eq] [-a HOW] [-f FORMAT] [-m N] [-t LO:HI] [-B FILE ...]"
}

@test "an unreadable input exits 2 and writes nothing" {
	run -2 --separate-stderr wr-merge merge-ratings.tsv no-such-file
	assert_output ""
	assert_equal "$stderr" "wr-merge: no-such-file: No such file or directory"
}

@test "-h prints the usage on stdout" {
	run -0 --separate-stderr wr-merge -h
	assert_line --index 0 "usage: wr-merge [-eq] [-a HOW] [-f FORMAT] [-m N] [-t LO:HI] [-B FILE ...]"
	assert_equal "$stderr" ""
}

@test "--version prints the version" {
	run -0 wr-merge --version
	assert_output --regexp '^wr-merge \(wr\) [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "a write error such as /dev/full exits 2" {
	run -2 --separate-stderr bash -c 'wr-merge -q merge-ratings.tsv > /dev/full'
	assert_equal "$stderr" "wr-merge: stdout: write error: No space left on device"
}

@test "| head -1 ends quietly" {
	many() { seq 1 30000 | sed 's/$/\t3/' | wr-merge | head -1; }
	run -0 --separate-stderr many
	assert_output "1;50"
	assert_equal "$stderr" ""
}

@test "| head -1 ends quietly when SIGPIPE is ignored" {
	many() { trap '' PIPE; seq 1 30000 | sed 's/$/\t3/' | wr-merge -q | head -1; echo "${PIPESTATUS[2]}" >&2; }
	run -0 --separate-stderr many
	assert_output "1;50"
	assert_equal "$stderr" "0"
}

@test "--exact keeps entries that differ only in case or punctuation apart" {
	run --separate-stderr bash -c "printf 'a\t1\nA\t5\nice cream\t3\nicecream\t5\n' | wr-merge -q --exact -f tsv"
	assert_success
	assert_output "$(printf 'A\t100\na\t0\nice cream\t50\nicecream\t100')"
	run --separate-stderr bash -c "printf 'Ice Cream\t3\n' | wr-merge -q -e"
	assert_success
	assert_output "Ice Cream;50"
}
