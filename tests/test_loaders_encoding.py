"""Encoding detection: the supported encodings are read exactly, anything else is refused, never mojibake."""
import codecs

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from qc_engine.ingest.encoding import BAD_BYTES, EncodingError, detect_file_encoding, head_text, iter_lines, open_text

CHAT = "山野茶庄:青青(2026-11-20 10:00:08):  您好，在的，请问有什么可以帮您？\n"
real_text = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Cn"), whitelist_characters="\n\t"), max_size=200)


def read(path):
    with open_text(path) as f:
        return f.read()


@pytest.mark.parametrize("encoding, bom", [("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("gb18030", b""), ("gbk", b""),
                                           ("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE)])
def test_supported_encodings_read_back_exactly(tmp_path, encoding, bom):
    path = tmp_path / "chat.txt"
    path.write_bytes(bom + (CHAT * 3).encode(encoding))
    assert read(path) == CHAT * 3


def test_gbk_text_after_a_long_ascii_start_is_still_found(tmp_path):
    path = tmp_path / "late.txt"
    path.write_bytes(b"account: shop01\n" * 20000 + CHAT.encode("gbk"))
    assert detect_file_encoding(path) == "gb18030"
    assert read(path).endswith(CHAT)


@pytest.mark.parametrize("content", [
    "Café crème, naïve façade, déjà vu\n".encode("latin-1") * 10,
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
    b"\x00\x01\x02\x03" * 100,
    "客服您好\n".encode("utf-16-le") * 50,  # UTF-16 without a byte-order mark: not guessed
], ids=["latin-1", "png", "binary", "utf-16-no-bom"])
def test_other_files_are_refused_with_a_clear_error(tmp_path, content):
    path = tmp_path / "x.txt"
    path.write_bytes(content)
    with pytest.raises(EncodingError, match="UTF-8|binary"):
        open_text(path)
    assert isinstance(head_text(content), str)  # sniffing never raises


def test_undecodable_bytes_further_in_are_marked_on_their_line(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(CHAT.encode("utf-8") + b"broken \xff\xfe here\r\n" + CHAT.encode("utf-8"))
    with open_text(path) as f:
        lines = list(iter_lines(f))
    assert [n for n, line in lines if BAD_BYTES in line] == [2]
    assert lines[2] == (3, CHAT.rstrip("\n"))


@settings(max_examples=60, deadline=None)
@given(real_text, st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "gb18030"]))
def test_any_text_round_trips_through_any_supported_encoding(tmp_path_factory, text, encoding):
    data = text.encode(encoding)
    if encoding == "gb18030":
        try:  # short GB18030 byte strings can also be valid UTF-8; real exports are long enough to tell
            data.decode("utf-8")
            assume(False)
        except UnicodeDecodeError:
            pass
    assume(text.isascii() or encoding != "utf-8" or text)
    path = tmp_path_factory.mktemp("enc") / "t.txt"
    path.write_bytes(data)
    assert read(path) == text


@pytest.mark.parametrize("text", ["èē", "ùē", "ā", "ǖ", "ぁ"])
def test_short_gb18030_text_of_pinyin_or_kana_is_not_taken_for_big5(tmp_path, text):
    # GB2312's pinyin letters and kana read as Big5 are common ideographs: they must still read as GBK.
    path = tmp_path / "t.txt"
    path.write_bytes(text.encode("gb18030"))
    assert read(path) == text
