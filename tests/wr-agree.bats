#!/usr/bin/env bats
# wr-agree: agreement report between rating files and scored lists, and calibration.

setup() {
	load helper
	cd "$FIX" || return 1
}

# agree-model.tsv (1:5): ice cream 5 and Ice-Cream 4 (one key, mean 4.5), aloe 4,
# zebra 2, oleo 3, aardvark 3, kiwi 1. agree-human.dict (0:100, Broda style):
# ICECREAM 90, ALOE 20, ZEBRA 60, OLEO 50, AARDVARK 50, QUARTZ 70. Five shared.

@test "a model rating file against a human WORD;SCORE list reports on their shared entries" {
	run -0 wr-agree -q agree-model.tsv -s 0:100 agree-human.dict
	assert_output - <<-'EOF'
	input 1: agree-model.tsv
	  entries 6, scale 1:5, mean 2.92 (47.92 on 0:100)
	  distinct values 5; the most shared, 3, by 2 entries (33.3%)
	  1   1 ####################
	  2   1 ####################
	  3   2 ########################################
	  4   1 ####################
	  4.5 1 ####################

	input 2: agree-human.dict
	  entries 6, scale 0:100, mean 56.67 (56.67 on 0:100)
	  distinct values 5; the most shared, 50, by 2 entries (33.3%)
	  20 1 ####################
	  50 2 ########################################
	  60 1 ####################
	  70 1 ####################
	  90 1 ####################

	pair 1 2: 5 shared entries
	  exact match     3 of 5 (60%) on 1:5
	  mean abs diff   18.5 on 0:100
	  spearman        0.0526
	  kendall tau-b   -0.1111

	most disagreement: 5 of 5 entries rated by two or more inputs, spread on 0:100
	  spread      1      2  entry
	      55      4     20  ALOE
	      35      2     60  ZEBRA
	     2.5    4.5     90  ICECREAM
	       0      3     50  AARDVARK
	       0      3     50  OLEO
	EOF
}

@test "tied scores take their average rank in spearman and kendall tau-b" {
	# Shared: AARDVARK 3/2, ALOE 4/5, KIWI 1/2, OLEO 3/3, ZEBRA 2/4: ties on both sides.
	pairs() { wr-agree -q -n 0 agree-model.tsv agree-model2.tsv | sed -n '/^pair/,/tau-b/p'; }
	run -0 pairs
	assert_output - <<-'EOF'
	pair 1 2: 5 shared entries
	  exact match     1 of 5 (20%) on 1:5
	  mean abs diff   25 on 0:100
	  spearman        0.5526
	  kendall tau-b   0.4444
	EOF
}

@test "more than 11 distinct scores are drawn in 10 equal buckets over the scale" {
	hist() { wr-agree -q -n 0 -s 0:60 agree-stwl.dict -s 1:5 agree-model.tsv | sed -n '1,/^$/p'; }
	run -0 hist
	assert_output - <<-'EOF'
	input 1: agree-stwl.dict
	  entries 13, scale 0:60, mean 30 (50 on 0:100)
	  distinct values 13; the most shared, 0, by 1 entry (7.7%)
	  [0,6)   2 ########################################
	  [6,12)  1 ####################
	  [12,18) 1 ####################
	  [18,24) 1 ####################
	  [24,30) 1 ####################
	  [30,36) 2 ########################################
	  [36,42) 1 ####################
	  [42,48) 1 ####################
	  [48,54) 1 ####################
	  [54,60] 2 ########################################

	EOF
}

@test "exact match compares on the first file's scale" {
	pairs() { wr-agree -q -n 0 -s 0:60 agree-stwl.dict -s 1:5 agree-model.tsv | sed -n '/^pair/,/tau-b/p'; }
	run -0 pairs
	assert_output - <<-'EOF'
	pair 1 2: 6 shared entries
	  exact match     0 of 6 (0%) on 0:60
	  mean abs diff   27.08 on 0:100
	  spearman        0.0870
	  kendall tau-b   0.0000
	EOF
}

@test "three inputs give every pair and a dash where an input lacks the entry" {
	run -0 wr-agree -q agree-model.tsv agree-model2.tsv -s 0:100 agree-human.dict
	assert_output - <<-'EOF'
	input 1: agree-model.tsv
	  entries 6, scale 1:5, mean 2.92 (47.92 on 0:100)
	  distinct values 5; the most shared, 3, by 2 entries (33.3%)
	  1   1 ####################
	  2   1 ####################
	  3   2 ########################################
	  4   1 ####################
	  4.5 1 ####################

	input 2: agree-model2.tsv
	  entries 5, scale 1:5, mean 3.2 (55 on 0:100)
	  distinct values 4; the most shared, 2, by 2 entries (40%)
	  2 2 ########################################
	  3 1 ####################
	  4 1 ####################
	  5 1 ####################

	input 3: agree-human.dict
	  entries 6, scale 0:100, mean 56.67 (56.67 on 0:100)
	  distinct values 5; the most shared, 50, by 2 entries (33.3%)
	  20 1 ####################
	  50 2 ########################################
	  60 1 ####################
	  70 1 ####################
	  90 1 ####################

	pair 1 2: 5 shared entries
	  exact match     1 of 5 (20%) on 1:5
	  mean abs diff   25 on 0:100
	  spearman        0.5526
	  kendall tau-b   0.4444

	pair 1 3: 5 shared entries
	  exact match     3 of 5 (60%) on 1:5
	  mean abs diff   18.5 on 0:100
	  spearman        0.0526
	  kendall tau-b   -0.1111

	pair 2 3: 4 shared entries
	  exact match     1 of 4 (25%) on 1:5
	  mean abs diff   30 on 0:100
	  spearman        -0.3162
	  kendall tau-b   -0.1826

	most disagreement: 6 of 6 entries rated by two or more inputs, spread on 0:100
	  spread      1      2      3  entry
	      80      4      5     20  ALOE
	      50      2      4     60  ZEBRA
	      25      3      2     50  AARDVARK
	      25      1      2      -  KIWI
	     2.5    4.5      -     90  ICECREAM
	       0      3      3     50  OLEO
	EOF
}

@test "-n limits the table and equal spreads go in key order" {
	worst() { wr-agree -q -n 2 agree-model.tsv agree-model2.tsv | sed -n '/^most/,$p'; }
	run -0 worst
	assert_output - <<-'EOF'
	most disagreement: 2 of 5 entries rated by two or more inputs, spread on 0:100
	  spread      1      2  entry
	      50      2      4  ZEBRA
	      25      3      2  AARDVARK
	EOF
}

@test "-n 0 leaves the table out" {
	worst() { wr-agree -q --top=0 agree-model.tsv agree-model2.tsv | sed -n '/^most/,$p'; }
	run -0 worst
	assert_output "most disagreement: 0 of 5 entries rated by two or more inputs, spread on 0:100"
}

@test "-e compares byte for byte, so differently written entries are not shared" {
	pairs() { wr-agree -q -e agree-model.tsv -s 0:100 agree-human.dict | sed -n '/^pair/,$p'; }
	run -0 pairs
	assert_output - <<-'EOF'
	pair 1 2: 0 shared entries
	  exact match     -
	  mean abs diff   -
	  spearman        -
	  kendall tau-b   -

	most disagreement: 0 of 0 entries rated by two or more inputs, spread on 0:100
	EOF
}

@test "- reads one of the files from standard input" {
	worst() { wr-agree -q -n 1 agree-model.tsv - < agree-model2.tsv | sed -n '/^most/,$p'; }
	run -0 worst
	assert_output - <<-'EOF'
	most disagreement: 1 of 5 entries rated by two or more inputs, spread on 0:100
	  spread      1      2  entry
	      50      2      4  ZEBRA
	EOF
}

@test "--calibrate maps the first file onto the last file's scale by quantiles" {
	run -0 wr-agree -q --calibrate agree-model.tsv -s 0:100 agree-human.dict
	assert_output - <<-'EOF'
	aardvark	50
	aloe	60
	ice cream	90
	kiwi	0
	oleo	50
	zebra	20
	EOF
}

@test "--calibrate interpolates entries outside the shared set" {
	run -0 wr-agree -q -s 0:100 agree-human.dict -s 1:5 agree-model.tsv --calibrate
	assert_output - <<-'EOF'
	AARDVARK	3
	ALOE	2
	ICECREAM	4.5
	OLEO	3
	QUARTZ	4.17
	ZEBRA	4
	EOF
}

@test "--calibrate with no shared entries is an error" {
	run -2 --separate-stderr wr-agree -q --calibrate agree-model.tsv -s 0:100 /dev/null
	assert_output ""
	assert_equal "$stderr" "wr-agree: agree-model.tsv and /dev/null share no entries: nothing to calibrate on"
}

@test "bad lines are skipped with file:line, the rest reported, exit 1" {
	run -1 --separate-stderr wr-agree -q -n 2 agree-bad.tsv agree-model.tsv
	assert_output - <<-'EOF'
	input 1: agree-bad.tsv
	  entries 2, scale 1:5, mean 3.5 (62.5 on 0:100)
	  distinct values 2; the most shared, 3, by 1 entry (50%)
	  3 1 ########################################
	  4 1 ########################################

	input 2: agree-model.tsv
	  entries 6, scale 1:5, mean 2.92 (47.92 on 0:100)
	  distinct values 5; the most shared, 3, by 2 entries (33.3%)
	  1   1 ####################
	  2   1 ####################
	  3   2 ########################################
	  4   1 ####################
	  4.5 1 ####################

	pair 1 2: 2 shared entries
	  exact match     1 of 2 (50%) on 1:5
	  mean abs diff   18.75 on 0:100
	  spearman        -1.0000
	  kendall tau-b   -1.0000

	most disagreement: 2 of 2 entries rated by two or more inputs, spread on 0:100
	  spread      1      2  entry
	    37.5      3    4.5  ICECREAM
	       0      4      4  ALOE
	EOF
	assert_equal "$stderr" "wr-agree: agree-bad.tsv:2: no score, line skipped
wr-agree: agree-bad.tsv:4: score \"five\" is not a number, line skipped
wr-agree: agree-bad.tsv:5: score 7 outside the scale 1:5, line skipped
wr-agree: agree-bad.tsv:6: entry \"!!!\" has no letters or digits, line skipped
wr-agree: agree-bad.tsv:7: no entry, line skipped"
}

@test "the summary on stderr counts inputs, scores and bad lines" {
	run -0 --separate-stderr wr-agree -n 0 agree-model.tsv -s 0:100 agree-human.dict
	assert_equal "$stderr" "wr-agree: 2 inputs compared; 13 scores read, 0 bad lines"
}

@test "the --calibrate summary counts entries written and shared" {
	run -0 --separate-stderr wr-agree --calibrate agree-model.tsv -s 0:100 agree-human.dict
	assert_equal "$stderr" "wr-agree: 6 entries written, calibrated on 5 shared; 13 scores read, 0 bad lines"
}

@test "fewer than two files is a usage error" {
	run -2 --separate-stderr wr-agree agree-model.tsv
	assert_output ""
	assert_equal "${stderr_lines[0]}" "wr-agree: two or more files needed, 1 given"
	assert_equal "${stderr_lines[1]}" "usage: wr-agree [-eq] [-n N] [--calibrate] [[-s LO:HI] FILE ...]"
}

@test "an unreadable file exits 2" {
	run -2 --separate-stderr wr-agree -q agree-model.tsv no-such-file.tsv
	assert_output ""
	assert_equal "$stderr" "wr-agree: no-such-file.tsv: No such file or directory"
}

@test "--help prints the usage on stdout and exits 0" {
	run -0 --separate-stderr wr-agree --help
	assert_output - <<-'EOF'
	usage: wr-agree [-eq] [-n N] [--calibrate] [[-s LO:HI] FILE ...]
	  -e, --exact         compare entries byte for byte, without folding
	  -n, --top N         show the N entries the inputs disagree on most
	                      (default 10)
	      --calibrate     write the first file's entries with their scores
	                      mapped onto the last file's scale by quantiles
	  -s, --scale LO:HI   scale of the files named after it (default 1:5)
	  -q, --quiet         no progress or summary on stderr
	  -h, --help          this help
	      --version       print the version
	EOF
	assert_equal "$stderr" ""
}

@test "--version prints the version" {
	run -0 wr-agree --version
	assert_output "wr-agree (wr) 0.1.0"
}

@test "an unknown option prints the usage on stderr and exits 2" {
	run -2 --separate-stderr wr-agree --bogus agree-model.tsv agree-human.dict
	assert_output ""
	assert_equal "${stderr_lines[1]}" "usage: wr-agree [-eq] [-n N] [--calibrate] [[-s LO:HI] FILE ...]"
}

@test "a negative -n exits 2" {
	run -2 --separate-stderr wr-agree -n -1 agree-model.tsv agree-human.dict
	assert_output ""
	assert_equal "$stderr" "wr-agree: -n -1: too small (minimum 0)"
}

@test "a -s with LO not below HI exits 2" {
	run -2 --separate-stderr wr-agree -s 5:1 agree-model.tsv agree-human.dict
	assert_output ""
	assert_equal "$stderr" "wr-agree: -s 5:1: LO must be below HI"
}

@test "a write error on stdout exits 2" {
	run -2 --separate-stderr bash -c 'wr-agree -q agree-model.tsv agree-model2.tsv > /dev/full'
	assert_equal "$stderr" "wr-agree: stdout: write error: No space left on device"
}

@test "each file's resolution: distinct values and the one most entries share" {
	printf 'a\t1.25\nb\t1.25\nc\t3.5\nd\t4.75\ne\t1.25\nf\t3.5\ng\t2\n' > "$BATS_TEST_TMPDIR/expected.tsv"
	run --separate-stderr wr-agree -q "$BATS_TEST_TMPDIR/expected.tsv" "$FIX/agree-model.tsv"
	assert_success
	assert_line --index 1 '  entries 7, scale 1:5, mean 2.5 (37.5 on 0:100)'
	assert_line --index 2 '  distinct values 4; the most shared, 1.25, by 3 entries (42.9%)'
}
