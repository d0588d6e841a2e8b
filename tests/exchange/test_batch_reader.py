"""Hostile fund files: every bad input gives a clear file-level error or record-level reasons, and no
line is ever lost or crashes the reader."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tracemalloc

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from statut.exchange.batch_reader import (
    FILE_BAD_HEADER,
    FILE_BINARY,
    FILE_EMPTY,
    FILE_MISSING_COLUMNS,
    FILE_NOT_JSON_LINES,
    FILE_NOT_UTF8,
    FILE_REPEATED_COLUMNS,
    FILE_TOO_LARGE,
    FILE_UNKNOWN_COLUMNS,
    RECORD_BAD_JSON,
    RECORD_BAD_QUOTING,
    RECORD_FIELD_COUNT,
    RECORD_NOT_OBJECT,
    RECORD_NOT_STRING,
    RECORD_REPEATED_FIELD,
    RECORD_TRUNCATED,
    RECORD_UNKNOWN_FIELD,
    BatchFormat,
    read_batch,
)
from statut.exchange.format import CSV_COLUMNS
from tests.quality.builders import affiliation, contribution, csv_bytes, jsonl_bytes, person


def problems(batch) -> list[tuple[int, str, str | None]]:
    return [(line, rule, field) for line, rule, field, _, _ in batch.record_problems.iter_rows()]


def only_file_problem(batch) -> tuple[str, str]:
    assert batch.rejected
    assert batch.records.height == 0
    assert len(batch.file_problems) == 1, batch.file_problems
    return batch.file_problems[0].rule_id, batch.file_problems[0].detail


# --- file level --------------------------------------------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\n\n  \r\n", csv_bytes([])])
def test_empty_file_is_rejected(content: bytes) -> None:
    assert only_file_problem(read_batch(content))[0] == FILE_EMPTY


def test_wrong_encoding_is_rejected_naming_the_byte_offset() -> None:
    good = csv_bytes([person()])
    latin1 = good + "person,P2,85073003328,Müller,Jürgen".encode("latin-1") + b"\n"
    rule, offset = only_file_problem(read_batch(latin1))
    assert rule == FILE_NOT_UTF8
    assert int(offset) == len(good) + len("person,P2,85073003328,M")
    assert latin1[int(offset)] == 0xFC  # the latin-1 ü


def test_a_utf8_sequence_cut_at_the_end_of_the_file_is_not_utf8() -> None:
    content = csv_bytes([person()]) + "é".encode()[:1]
    rule, offset = only_file_problem(read_batch(content))
    assert (rule, int(offset)) == (FILE_NOT_UTF8, len(content) - 1)


def test_a_utf8_sequence_across_two_read_chunks_is_fine() -> None:
    filler = b"x" * ((1 << 20) - 1)
    content = csv_bytes([person(street=filler.decode() + "é")])
    batch = read_batch(io.BytesIO(content))
    assert not batch.rejected
    assert batch.records["street"][0].endswith("é")


def test_nul_byte_means_binary() -> None:
    rule, offset = only_file_problem(read_batch(csv_bytes([person()]) + b"abc\x00def"))
    assert rule == FILE_BINARY
    assert offset == str(len(csv_bytes([person()])) + 3)


def test_bom_is_accepted() -> None:
    batch = read_batch(b"\xef\xbb\xbf" + csv_bytes([person()]))
    assert not batch.rejected
    assert batch.had_bom
    assert batch.records["record_type"].to_list() == ["person"]
    assert batch.records["line"].to_list() == [2]


def test_missing_columns_are_named() -> None:
    columns = tuple(c for c in CSV_COLUMNS if c not in ("sex", "quarter"))
    rule, detail = only_file_problem(read_batch(csv_bytes([person()], columns)))
    assert rule == FILE_MISSING_COLUMNS
    assert detail == "sex, quarter"


def test_extra_columns_are_named() -> None:
    rule, detail = only_file_problem(read_batch(csv_bytes([person()], (*CSV_COLUMNS, "iban", "note"))))
    assert (rule, detail) == (FILE_UNKNOWN_COLUMNS, "iban, note")


def test_repeated_columns_are_named() -> None:
    batch = read_batch(csv_bytes([person()], (*CSV_COLUMNS, "sex")))
    assert [p.rule_id for p in batch.file_problems] == [FILE_REPEATED_COLUMNS]
    assert batch.file_problems[0].detail == "sex"


def test_missing_and_extra_columns_are_both_reported() -> None:
    columns = (*[c for c in CSV_COLUMNS if c != "amount"], "montant")
    batch = read_batch(csv_bytes([contribution()], columns))
    assert [(p.rule_id, p.detail) for p in batch.file_problems] == [
        (FILE_MISSING_COLUMNS, "amount"),
        (FILE_UNKNOWN_COLUMNS, "montant"),
    ]


def test_reordered_columns_are_mapped_by_name() -> None:
    columns = tuple(reversed(CSV_COLUMNS))
    batch = read_batch(csv_bytes([person(), contribution()], columns))
    assert not batch.rejected
    assert batch.records.select("record_type", "last_name", "amount").rows() == [
        ("person", "Dupont", None),
        ("contribution", None, "890.42"),
    ]


def test_header_names_are_matched_ignoring_case_and_spaces() -> None:
    header = ",".join(f" {c.upper()} " for c in CSV_COLUMNS)
    body = csv_bytes([person()]).split(b"\n", 1)[1]
    batch = read_batch(header.encode() + b"\n" + body)
    assert not batch.rejected
    assert batch.records["last_name"].to_list() == ["Dupont"]


def test_unreadable_header_is_a_file_problem() -> None:
    rule, _ = only_file_problem(read_batch(b'record_type,"record_id\n' + csv_bytes([person()])))
    assert rule == FILE_BAD_HEADER


def test_file_over_max_bytes_is_rejected_before_reading(tmp_path) -> None:
    path = tmp_path / "big.csv"
    path.write_bytes(b"\xff" * 2048)  # would be "not UTF-8" if it were read at all
    rule, detail = only_file_problem(read_batch(path, max_bytes=1024))
    assert (rule, detail) == (FILE_TOO_LARGE, "1024")


def test_stream_over_max_bytes_is_rejected_without_reading_it_all() -> None:
    stream = CountingStream(total=50 * 1024 * 1024, byte=b"a")
    rule, _ = only_file_problem(read_batch(stream, max_bytes=3 * 1024 * 1024))
    assert rule == FILE_TOO_LARGE
    assert stream.served <= 4 * 1024 * 1024


class CountingStream(io.RawIOBase):
    """A large binary stream produced on demand, counting what the reader takes from it."""

    def __init__(self, total: int, byte: bytes | None = None) -> None:
        self.total = total
        self.byte = byte
        self.served = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = self.total - self.served if size < 0 else min(size, self.total - self.served)
        self.served += size
        return (self.byte * size) if self.byte is not None else os.urandom(size)


def test_200_mb_of_random_bytes_is_rejected_after_one_chunk_in_bounded_memory(tmp_path) -> None:
    path = tmp_path / "random.csv"
    with path.open("wb") as handle:
        for _ in range(200):
            handle.write(os.urandom(1024 * 1024))
    tracemalloc.start()
    batch = read_batch(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert batch.rejected
    assert batch.file_problems[0].rule_id in (FILE_NOT_UTF8, FILE_BINARY)
    assert int(batch.file_problems[0].detail) < 1024 * 1024
    assert peak < 16 * 1024 * 1024  # one 1 MiB chunk and its decoding, not 200 MB
    stream = CountingStream(total=200 * 1024 * 1024)
    assert read_batch(stream).rejected
    assert stream.served <= 1024 * 1024


def test_claims_json_lines_but_is_csv() -> None:
    rule, detail = only_file_problem(read_batch(csv_bytes([person()]), BatchFormat.JSONL))
    assert (rule, detail) == (FILE_NOT_JSON_LINES, "1")


def test_a_json_array_is_not_json_lines() -> None:
    content = json.dumps([person(), person(record_id="P2")]).encode()
    rule, _ = only_file_problem(read_batch(content))
    assert rule == FILE_NOT_JSON_LINES


# --- CSV records ---------------------------------------------------------------------------------------


def test_records_keep_their_line_and_raw_text() -> None:
    content = csv_bytes([person(), affiliation()])
    batch = read_batch(content)
    lines = content.decode().splitlines()
    assert batch.records["line"].to_list() == [2, 3]
    assert batch.records["raw"].to_list() == lines[1:]
    assert batch.format is BatchFormat.CSV
    assert batch.sha256 == hashlib.sha256(content).hexdigest()


def test_empty_values_are_null_and_blank_lines_are_skipped() -> None:
    content = csv_bytes([person()]) + b"\n   \n" + csv_bytes([affiliation()]).split(b"\n", 1)[1]
    batch = read_batch(content)
    assert batch.records["line"].to_list() == [2, 5]
    assert batch.records["death_date"].to_list() == [None, None]


def test_crlf_line_endings() -> None:
    content = csv_bytes([person(), affiliation()]).replace(b"\n", b"\r\n")
    batch = read_batch(content)
    assert batch.records["street"].to_list() == ["Rue de la Loi 16", None]
    assert not batch.records["raw"].str.contains("\r").any()


def test_truncated_last_line_is_quarantined_and_the_others_are_fine() -> None:
    content = csv_bytes([person(), affiliation()]) + b"contribution,C1,85073003328,,,"
    batch = read_batch(content)
    assert batch.records["line"].to_list() == [2, 3, 4]
    assert problems(batch) == [(4, RECORD_TRUNCATED, None)]
    assert batch.records["raw"][2] == "contribution,C1,85073003328,,,"


def test_truncated_last_line_inside_a_quoted_field() -> None:
    content = csv_bytes([person(), affiliation()]) + b'person,P9,85073003328,"Dup'
    batch = read_batch(content)
    assert batch.records["line"].to_list() == [2, 3, 4]
    assert problems(batch) == [(4, RECORD_TRUNCATED, None)]
    assert batch.records["record_id"][2] == "P9"


def test_a_short_line_in_the_middle_has_the_wrong_number_of_fields() -> None:
    content = csv_bytes([person()]) + b"person,P2\n" + csv_bytes([affiliation()]).split(b"\n", 1)[1]
    batch = read_batch(content)
    assert problems(batch) == [(3, RECORD_FIELD_COUNT, None)]
    assert batch.record_problems["detail"].to_list() == [f"2/{len(CSV_COLUMNS)}"]


def test_a_long_line_has_the_wrong_number_of_fields() -> None:
    line = csv_bytes([contribution(amount="890")]).split(b"\n")[1] + b",42"
    batch = read_batch(csv_bytes([person()]) + line + b"\n")
    assert problems(batch) == [(3, RECORD_FIELD_COUNT, None)]


def test_quoted_fields_with_separators_quotes_and_newlines() -> None:
    records = [
        person(last_name='Dupont, "le jeune"'),
        person(record_id="P2", street="Rue Haute 1\nboîte 3"),
        affiliation(),
    ]
    batch = read_batch(csv_bytes(records))
    assert not batch.rejected
    assert batch.record_problems.height == 0
    assert batch.records["line"].to_list() == [2, 3, 5]
    assert batch.records["last_name"].to_list()[0] == 'Dupont, "le jeune"'
    assert batch.records["street"].to_list()[1] == "Rue Haute 1\nboîte 3"
    assert batch.records["raw"][1].count("\n") == 1


def test_bad_quoting_in_the_middle_is_a_record_problem() -> None:
    bad = b'person,P2,85073003328,"Du"pont' + b"," * (len(CSV_COLUMNS) - 4) + b"\n"
    content = csv_bytes([person()]) + bad + b'person,"P3\n' + csv_bytes([affiliation()]).split(b"\n", 1)[1]
    batch = read_batch(content)
    assert batch.records["line"].to_list()[0] == 2
    rules = {rule for _, rule, _ in problems(batch)}
    assert rules <= {RECORD_BAD_QUOTING, RECORD_FIELD_COUNT, RECORD_TRUNCATED}
    assert RECORD_BAD_QUOTING in rules
    covered = "\n".join(batch.records["raw"].to_list())
    for line in content.decode().splitlines()[1:]:
        assert line in covered  # nothing lost


def test_values_that_look_like_formulas_are_kept_as_data() -> None:
    batch = read_batch(csv_bytes([person(last_name='=HYPERLINK("http://x")', first_name="@SUM(A1)")]))
    assert batch.records.select("last_name", "first_name").row(0) == ('=HYPERLINK("http://x")', "@SUM(A1)")


def test_bytes_path_and_stream_give_the_same_batch(tmp_path) -> None:
    content = csv_bytes([person(), affiliation(), contribution()])
    path = tmp_path / "batch.csv"
    path.write_bytes(content)
    from_bytes = read_batch(content)
    for other in (read_batch(path), read_batch(str(path)), read_batch(io.BytesIO(content))):
        assert other.records.equals(from_bytes.records)
        assert other.sha256 == from_bytes.sha256


# --- JSON Lines ------------------------------------------------------------------------------------------


def test_json_lines_records() -> None:
    content = jsonl_bytes([person(), {"record_type": "contribution", "record_id": "C1", "amount": "12.50"}])
    batch = read_batch(content)
    assert batch.format is BatchFormat.JSONL
    assert batch.record_problems.height == 0
    assert batch.records.select("line", "record_type", "amount", "last_name").rows() == [
        (1, "person", None, "Dupont"),
        (2, "contribution", "12.50", None),
    ]


def test_json_lines_null_is_absent_and_escapes_are_decoded() -> None:
    content = b'{"record_type":"person","record_id":"P1","death_date":null,"street":"Rue \\"X\\" \\u00e9"}\n'
    batch = read_batch(content, "jsonl")
    assert batch.record_problems.height == 0
    assert batch.records.select("death_date", "street").row(0) == (None, 'Rue "X" é')


def test_json_lines_record_level_problems() -> None:
    lines = [
        json.dumps(person()),
        "",
        json.dumps([1, 2]),
        json.dumps({**contribution(), "amount": 890.42}),
        json.dumps({**person(record_id="P2"), "iban": "BE71096123456769", "foo": None}),  # foo: no value
        '{"record_type": "person", "record_id": "P3", "record_id": "P4"}',
        '{"record_type": "person", "record_id": ',
        json.dumps(person(record_id="P5")),
        '{"record_type": "person", "record_id": "P6"',
    ]
    batch = read_batch(("\n".join(lines)).encode(), BatchFormat.JSONL)
    assert batch.records["line"].to_list() == [1, 3, 4, 5, 6, 7, 8, 9]
    assert problems(batch) == [
        (3, RECORD_NOT_OBJECT, None),
        (4, RECORD_NOT_STRING, "amount"),
        (5, RECORD_UNKNOWN_FIELD, "iban"),
        (6, RECORD_REPEATED_FIELD, "record_id"),
        (7, RECORD_BAD_JSON, None),
        (9, RECORD_TRUNCATED, None),
    ]
    contribution_row = batch.records.filter(pl.col("line") == 4)
    assert contribution_row["amount"][0] == "890.42"  # kept, as its JSON text, for the report


# --- never crash, never lose a line ----------------------------------------------------------------------

_PIECES = st.sampled_from(
    [",", '"', "\n", "\r\n", "person", "P1", "85073003328", "é", "=1+1", " ", "{", "}", ":", "null", "\\"]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_PIECES, max_size=60), st.sampled_from(["csv", "jsonl", "auto"]))
def test_any_text_is_read_without_crash_and_without_losing_a_line(pieces: list[str], fmt: str) -> None:
    header = ",".join(CSV_COLUMNS) + "\n" if fmt != "jsonl" else ""
    text = header + "".join(pieces)
    batch = read_batch(text.encode(), fmt)
    if batch.rejected:
        assert batch.records.height == 0
        return
    covered = "\n".join(batch.records["raw"].to_list())
    first_data_line = 1 if header else 0
    for line in text.replace("\r\n", "\n").split("\n")[first_data_line:]:
        if line.strip():
            assert line.removesuffix("\r") in covered
    lines = batch.records["line"].to_list()
    assert lines == sorted(set(lines))


def test_json_lines_unknown_keys_however_written_are_reported() -> None:
    lines = [
        '{"record_type": "person", "r\\u00e9f": "x"}',
        '{"record_type": "person", "note": null}',  # no value: nothing is lost, nothing to say
        "{}",
        r'{"record_type":"person","record_id":"P1","street":"x\":null, \"y\": \"z"}',
        r'{"record_type" : "person", "re\"c": "v"}',
    ]
    batch = read_batch("\n".join(lines).encode() + b"\n", "jsonl")
    assert batch.records["line"].to_list() == [1, 2, 3, 4, 5]
    assert problems(batch) == [(1, RECORD_UNKNOWN_FIELD, "réf"), (5, RECORD_UNKNOWN_FIELD, 're"c')]
    assert batch.records["street"][3] == 'x":null, "y": "z'


def test_many_json_lines_take_the_fast_path_and_keep_their_order() -> None:
    records = [{**person(record_id=f"P{i}"), "street": f"Rue {i} \\u00e9"} for i in range(500)]
    batch = read_batch(jsonl_bytes(records))
    assert batch.record_problems.height == 0
    assert batch.records["record_id"].to_list() == [f"P{i}" for i in range(500)]
    assert batch.records["line"].to_list() == list(range(1, 501))


_KEYS = st.sampled_from([*CSV_COLUMNS[:6], "amount", "iban", "r\u00e9f", 're"c', ""])
_VALUES = st.one_of(
    st.none(),
    st.text(alphabet='ab :,"\\{}\u00e9\n\t', max_size=8),
    st.sampled_from(['":null,"', "null", '\\":', 'x":"y']),
)


@st.composite
def json_line(draw: st.DrawFn) -> str:
    pairs = draw(st.lists(st.tuples(_KEYS, _VALUES), max_size=6))
    separator = draw(st.sampled_from([(",", ":"), (", ", ": "), (" , ", " : ")]))
    body = separator[0].join(
        json.dumps(k, ensure_ascii=draw(st.booleans())) + separator[1] + json.dumps(v, ensure_ascii=draw(st.booleans()))
        for k, v in pairs
    )
    return "{" + body + "}"


@settings(max_examples=100, deadline=None)
@given(st.lists(json_line(), min_size=1, max_size=20))
def test_json_lines_fast_path_agrees_with_the_stdlib_reading(lines: list[str]) -> None:
    """Whatever polars reads is read as the standard library reads it, problems included."""
    from statut.exchange import batch_reader

    content = ("\n".join(lines) + "\n").encode()
    batch = read_batch(content, "jsonl")
    frame = pl.DataFrame(
        {"line": list(range(1, len(lines) + 1)), "raw": lines}, schema={"line": pl.Int64, "raw": pl.String}
    )
    expected, expected_problems = batch_reader._jsonl_careful(frame, len(lines), True)
    assert batch.records.select(CSV_COLUMNS).equals(expected.select(CSV_COLUMNS)), lines
    assert sorted(batch.record_problems.rows()) == sorted(expected_problems.rows()), lines
