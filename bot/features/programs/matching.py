"""Matching a resident's free-text question to a program and an aspect, in Indonesian or Javanese.

The text is normalised (lowercase, punctuation out, chat abbreviations, ngoko and krama words
mapped to one Indonesian word), then its words are compared with the words of each program's
names and synonyms from content/ (rapidfuzz: exact first, then an edit-distance similarity for
typos). An alias counts only when all its distinctive words are present; a lone fuzzy word is
weak evidence and must be long. The index is built once at start (ProgramIndex); answering a
question does no recompilation.

The result is one program (answer it), several close ones (ask which), or none (say so plainly:
never guess a program for an unrelated question).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.content.programs import Program

# -- normalisation ----------------------------------------------------------------------------
# One word -> its canonical Indonesian form (possibly several words). Chat abbreviations,
# ngoko and krama forms. Applied to questions and to content aliases alike.
WORD_MAP: dict[str, str] = {
    # question words
    "brp": "berapa", "brapa": "berapa", "berapakah": "berapa", "piro": "berapa",
    "pira": "berapa", "pinten": "berapa", "pintên": "berapa",
    "gmn": "bagaimana", "gmna": "bagaimana", "gimana": "bagaimana", "bgmn": "bagaimana",
    "bgaimana": "bagaimana", "bagaimanakah": "bagaimana", "piye": "bagaimana",
    "kepiye": "bagaimana", "kepriye": "bagaimana", "pripun": "bagaimana",
    "kpriye": "bagaimana", "pie": "bagaimana",
    "aja": "saja", "aj": "saja", "wae": "saja", "wê": "saja", "mawon": "saja",
    "kemawon": "saja", "ae": "saja",
    "opo": "apa", "napa": "apa", "menapa": "apa", "punapa": "apa", "apakah": "apa",
    "sinten": "siapa", "sapa": "siapa", "sopo": "siapa", "siapakah": "siapa",
    "kpn": "kapan", "kapankah": "kapan", "kala": "kapan",
    "pundi": "mana", "endi": "mana", "ngendi": "mana", "ngendhi": "mana", "dimana": "mana",
    "mndi": "mana", "manakah": "mana",
    # common words
    "yg": "yang", "ingkang": "yang", "sing": "yang", "seng": "yang",
    "tdk": "tidak", "gak": "tidak", "ga": "tidak", "gk": "tidak", "nggak": "tidak",
    "ngga": "tidak", "enggak": "tidak", "ndak": "tidak", "boten": "tidak",
    "mboten": "tidak", "ora": "tidak", "orak": "tidak", "dereng": "belum", "durung": "belum",
    "blm": "belum", "sdh": "sudah", "udah": "sudah", "sampun": "sudah", "wis": "sudah",
    "uwis": "sudah",
    "sy": "saya", "aku": "saya", "kula": "saya", "kulo": "saya", "gue": "saya",
    "utk": "untuk", "buat": "untuk", "kagem": "untuk", "kangge": "untuk", "kanggo": "untuk",
    "dgn": "dengan", "dg": "dengan", "kaliyan": "dengan", "karo": "dengan",
    "krn": "karena", "karna": "karena", "amargi": "karena", "mergo": "karena",
    "bs": "bisa", "bisakah": "bisa", "saged": "bisa", "iso": "bisa", "isa": "bisa",
    "dpt": "dapat", "dapet": "dapat", "dapatkan": "dapat", "mendapat": "dapat",
    "mendapatkan": "dapat", "angsal": "dapat", "pikantuk": "dapat", "oleh": "dapat",
    "entuk": "dapat", "olih": "dapat", "nampi": "dapat", "nerima": "dapat",
    "menerima": "dapat", "terima": "dapat",
    "dhuwit": "uang", "duit": "uang", "duwit": "uang", "arta": "uang", "yatra": "uang",
    "sewulan": "bulan", "sasi": "bulan", "sesasi": "bulan", "wulan": "bulan",
    "sebulan": "bulan", "perbulan": "bulan", "bln": "bulan", "bulane": "bulan",
    "taun": "tahun", "warsa": "tahun", "setahun": "tahun", "pertahun": "tahun",
    "thn": "tahun", "th": "tahun",
    "pirsa": "tanya", "takon": "tanya", "nanya": "tanya",
    "nyuwun": "minta", "njaluk": "minta", "mohon": "minta",
    "syaratnya": "syarat", "syarate": "syarat", "syaratipun": "syarat", "sarat": "syarat",
    "syrt": "syarat", "srt": "syarat", "persyaratan": "syarat", "persyaratane": "syarat",
    "persyaratanipun": "syarat", "syarat2": "syarat", "saratipun": "syarat",
    "sarate": "syarat", "syartnya": "syarat",
    "daftarnya": "daftar", "ndaftar": "daftar", "daftare": "daftar", "mendaftar": "daftar",
    "pendaftaran": "daftar", "ndaftare": "daftar", "ndaftaripun": "daftar",
    "didaftarkan": "daftar", "mendaftarkan": "daftar", "ndaftaraken": "daftar",
    "dipundaftaraken": "daftar", "pendaftaranipun": "daftar", "daptar": "daftar",
    "cairnya": "cair", "pencairan": "cair", "cairipun": "cair", "dicairkan": "cair",
    "dipuncairaken": "cair", "cairane": "cair", "cairan": "cair", "caire": "cair",
    "kirimnya": "kirim", "dikirim": "kirim",
    "berkase": "berkas", "berkasipun": "berkas", "berkasnya": "berkas",
    "dokumene": "dokumen", "dokumenipun": "dokumen", "dokumennya": "dokumen",
    "serat": "surat", "layang": "surat",
    "mbeta": "bawa", "mbekta": "bawa", "nggawa": "bawa", "gowo": "bawa", "dibawa": "bawa",
    "dipunbekta": "bawa", "digowo": "bawa",
    "carane": "cara", "caranipun": "cara", "caranya": "cara", "pripun carane": "cara",
    "ngajokaken": "ajukan", "ngajukan": "ajukan", "mengajukan": "ajukan",
    "diajukan": "ajukan", "ngajokne": "ajukan", "ngusulaken": "usul", "mengusulkan": "usul",
    "diusulkan": "usul", "ngusulke": "usul", "usulan": "usul",
    "nomere": "nomor", "nomeripun": "nomor", "nomer": "nomor", "no": "nomor",
    "telpon": "telepon", "tlp": "telepon", "telp": "telepon", "hp": "telepon",
    "wa": "telepon", "hubungi": "kontak", "kontake": "kontak", "kontakipun": "kontak",
    "sesambetan": "kontak", "ngubungi": "kontak", "menghubungi": "kontak",
    "kantore": "kantor", "kantoripun": "kantor", "alamate": "alamat",
    "alamatipun": "alamat",
    "jadwale": "jadwal", "jadwalipun": "jadwal", "tanggale": "tanggal",
    "tanggalipun": "tanggal", "tgl": "tanggal", "jdwl": "jadwal",
    "bantuane": "bantuan", "bantuanipun": "bantuan", "bantuannya": "bantuan",
    "bansose": "bansos",
    # people and things
    "mbah": "lansia", "simbah": "lansia", "eyang": "lansia", "sepuh": "lansia",
    "manula": "lansia", "jompo": "lansia", "lansiane": "lansia", "werdha": "lansia",
    "tiyang": "orang", "wong": "orang", "tiang": "orang",
    "lare": "anak", "bocah": "anak", "putra": "anak", "putrane": "anak", "anake": "anak",
    "estri": "perempuan", "wadon": "perempuan", "wanita": "perempuan", "cewek": "perempuan",
    "randha": "janda", "rondo": "janda", "randa": "janda",
    "griya": "rumah", "omah": "rumah", "dalem": "rumah",
    "cacat": "disabilitas", "difabel": "disabilitas", "disabilitase": "disabilitas",
    "penyandang": "disabilitas",
    "dhaharan": "makan", "dhahar": "makan", "maem": "makan", "mangan": "makan",
    "makanan": "makan",
    "lindhu": "gempa", "lindu": "gempa", "kobongan": "kebakaran", "kobong": "kebakaran",
    "terbakar": "kebakaran", "kebakar": "kebakaran", "kobaran": "kebakaran",
    "lesus": "beliung", "banjire": "banjir",
    "awrat": "berat", "abot": "berat",
    "wangsul": "pulang", "mulih": "pulang",
    "pabrike": "pabrik", "rokoke": "rokok", "buruhe": "buruh", "karyawan": "buruh",
    "kubene": "kube", "kelompoke": "kelompok",
    "kartune": "kartu", "ktpne": "ktp", "kke": "kk",
}
# Several words -> one canonical form (applied before WORD_MAP).
PHRASE_MAP: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\bkados pundi\b"), "bagaimana"),
    (re.compile(r"\bapa aja\b"), "apa saja"),
    (re.compile(r"\bpkh\s*\+"), "pkh plus"),
    (re.compile(r"\bper bulan\b"), "bulan"),
    (re.compile(r"\bsaben wulan\b"), "bulan"),
    (re.compile(r"\bpiye carane\b"), "cara"),
]
_PUNCT = re.compile(r"[^\w\s]+")
_SPACE = re.compile(r"\s+")

# Words that say little about which program is meant: they add a little, never decide.
GENERIC = frozenset({
    "bantuan", "bansos", "program", "sosial", "untuk", "yang", "dan", "di", "orang", "anak",
    "keluarga", "data", "kartu", "usaha", "kelompok", "tahun", "uang", "korban", "rumah",
    "tidak", "bisa", "jawa", "timur", "jatim", "pemerintah", "dari", "ke", "dengan", "saja",
    "apa", "berat", "kesehatan", "dinas", "kementerian", "kemensos", "dinsos", "bantu",
    "daftar", "terdaftar", "cek", "modal", "kerja", "gratis", "penanganan", "penguatan",
    "dasar", "layanan", "provinsi", "bagi", "aman",
})

# Aspect words (after normalisation) with weights; the highest total wins.
ASPECT_WORDS: dict[str, dict[str, float]] = {
    "documents": {"dokumen": 3, "berkas": 3, "surat": 2, "ktp": 2, "kk": 2, "bawa": 3,
                  "lampiran": 3, "fotokopi": 3, "fotocopy": 3, "persyaratan": 1},
    "eligibility": {"syarat": 1.5, "siapa": 2, "kriteria": 3, "berhak": 3, "layak": 3,
                    "penerima": 1, "ketentuan": 2, "memenuhi": 2, "boleh": 1, "bisa": 0.5,
                    "dapat": 0.5, "umur": 1, "usia": 1, "yuswa": 1},
    "benefit": {"berapa": 3, "nominal": 3, "jumlah": 2, "besaran": 3, "besarnya": 3,
                "nilai": 2, "uang": 1, "rupiah": 2, "rp": 2, "isi": 1.5, "isinya": 2,
                "bulan": 1, "tahun": 0.5, "pinten": 3},
    "apply": {"bagaimana": 2, "cara": 3, "daftar": 2.5, "ajukan": 3, "usul": 2, "urus": 3,
              "mengurus": 3, "ngurus": 3, "prosedur": 3, "proses": 2, "minta": 1,
              "alur": 3},
    "schedule": {"kapan": 3, "jadwal": 3, "cair": 3, "tanggal": 3, "tahap": 2, "turun": 1.5,
                 "kirim": 1, "jam": 1},
    "contact": {"kontak": 3, "telepon": 3, "nomor": 3.5, "alamat": 3, "kantor": 1.5,
                "mana": 1.5, "petugas": 1, "tanya": 2.5, "lapor": 1, "call": 2, "email": 3},
}


def normalise(text: str) -> list[str]:
    """Lowercase canonical words of a question or an alias."""
    text = unicodedata.normalize("NFKC", text).lower()
    for pattern, repl in PHRASE_MAP:
        text = pattern.sub(repl, text)
    text = _PUNCT.sub(" ", text.replace("_", " "))
    words: list[str] = []
    for word in _SPACE.split(text.strip()):
        if not word:
            continue
        if word.startswith("dipun") and len(word) > 7:
            word = "di" + word[5:]  # krama passive: dipunpasung = dipasung
        words.extend(WORD_MAP.get(word, word).split())
    return words


# -- the index --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Alias:
    program: str
    words: tuple[str, ...]
    distinctive: tuple[str, ...]   # the non-generic words, all of which must be present
    aspect: str | None = None      # a learned phrase may say which aspect it asks about


@dataclass(frozen=True)
class Candidate:
    program: Program
    score: float
    alias: str


@dataclass(frozen=True)
class Match:
    """What a question is about: `programs` has one (answer), several (ask) or none."""

    programs: list[Candidate]
    aspect: str | None
    words: list[str] = field(default_factory=list)

    @property
    def best(self) -> Program | None:
        return self.programs[0].program if len(self.programs) == 1 else None

    @property
    def ambiguous(self) -> bool:
        return len(self.programs) > 1


ASPECT_ORDER = tuple(ASPECT_WORDS)
MEMO_SIZE = 20_000    # fuzzy look-ups remembered per index (then forgotten all at once)
THRESHOLD = 0.75      # a program needs at least this score to be considered at all
CLOSE = 0.8           # others within this share of the best are asked about too
MAX_CHOICES = 3


def _name_parts(name: str) -> list[str]:
    """'PKH (Program Keluarga Harapan, Kemensos)' -> the name and each bracketed part."""
    return [part.strip() for part in re.split(r"[(),/]", name) if part.strip()]


def _fuzzy_cutoff(word: str) -> float | None:
    n = len(word)
    if n <= 3:
        return None          # short words must match exactly (pkh, kis, psm)
    if n <= 5:
        return 0.75
    return 0.8


class ProgramIndex:
    """Built once at start from content; answers questions without rebuilding anything."""

    def __init__(self, programs: Iterable[Program]) -> None:
        self.programs = {p.key: p for p in programs}
        self.aliases: list[Alias] = []
        vocab: set[str] = set()
        for p in self.programs.values():
            texts = {p.name.short, p.key.replace("_", " "), *p.synonyms,
                     *_name_parts(p.name.id), *_name_parts(p.name.jv)}
            for text in texts:
                words = tuple(dict.fromkeys(normalise(text)))
                distinctive = tuple(w for w in words if w not in GENERIC)
                if not distinctive:
                    continue
                self.aliases.append(Alias(p.key, words, distinctive))
                vocab.update(words)
        self.vocab = sorted(vocab)
        self._vocab_set = frozenset(self.vocab)
        self._aspect_vocab = frozenset(w for words in ASPECT_WORDS.values() for w in words)
        self._aspect_of: dict[str, list[tuple[str, float]]] = {}
        for aspect, table in ASPECT_WORDS.items():
            for w, weight in table.items():
                self._aspect_of.setdefault(w, []).append((aspect, weight))
        # words that are never a misspelt program word: no fuzzy search for them
        plain = {w for v in WORD_MAP.values() for w in v.split()} | set(WORD_MAP)
        self._plain = frozenset((plain | self._aspect_vocab | GENERIC) - vocab)
        self._fuzzy_memo: dict[str, tuple[tuple[str, float], ...]] = {}
        self.requests: dict[tuple[str, ...], str] = {}  # learned phrases of requests
        self._by_word: dict[str, list[int]] = {}
        for n, alias in enumerate(self.aliases):
            for w in alias.distinctive:
                self._by_word.setdefault(w, []).append(n)

    # -- learning ---------------------------------------------------------------------------
    def learn(self, target: str, phrase: str, language: str) -> None:
        """Staff taught that `phrase` asks about `target` (a program id or 'program:aspect'):
        from now on a question with all its words names that program. 'request:<name>'
        targets are kept in `requests` (this matcher answers programs only). KeyError for a
        program the content does not have."""
        key, _, aspect = target.partition(":")
        words = tuple(dict.fromkeys(self._known(w) for w in normalise(phrase)))
        if not words:
            return
        if key == "request":
            self.requests[words] = aspect
            return
        if key not in self.programs:
            raise KeyError(key)
        distinctive = tuple(w for w in words if w not in GENERIC) or words
        learned = Alias(key, words, distinctive, aspect or None)
        old = [n for n, a in enumerate(self.aliases) if a.words == words]
        if old:  # taught again: the newer lesson replaces the older one
            self.aliases[old[0]] = learned
        else:
            self.aliases.append(learned)
            for w in distinctive:
                self._by_word.setdefault(w, []).append(len(self.aliases) - 1)
        new = set(words) - self._vocab_set
        if new:
            self.vocab = sorted(self._vocab_set | new)
            self._vocab_set = frozenset(self.vocab)
            self._plain = self._plain - new
            self._fuzzy_memo.clear()

    # -- words ------------------------------------------------------------------------------
    def _known(self, word: str) -> str:
        """Strip a Javanese/Indonesian suffix when that gives a known word (syarate, kubene)."""
        if word in self._vocab_set or word in self._aspect_vocab:
            return word
        for suffix in ("ipun", "nya", "ne", "e", "ipun"):
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                stem = word[: -len(suffix)]
                if stem in self._vocab_set or stem in self._aspect_vocab:
                    return stem
        return word

    def _similar(self, words: list[str]) -> dict[str, float]:
        """For each vocabulary word present (exactly or nearly) in the question, its similarity."""
        found: dict[str, float] = {}
        for word in set(words):
            if word in self._vocab_set:
                found[word] = 1.0
                continue
            for choice, sim in self._fuzzy(word):
                if sim > found.get(choice, 0.0):
                    found[choice] = sim
        return found

    def _fuzzy(self, word: str) -> tuple[tuple[str, float], ...]:
        """Vocabulary words near a word not in the vocabulary (memoised: chat repeats words)."""
        hit = self._fuzzy_memo.get(word)
        if hit is not None:
            return hit
        cutoff = _fuzzy_cutoff(word)
        if cutoff is None or word in self._plain or word.isdigit():
            result: tuple[tuple[str, float], ...] = ()
        else:
            result = tuple(
                (choice, sim) for choice, sim, _ in process.extract(
                    word, self.vocab, scorer=OSA.normalized_similarity, score_cutoff=cutoff,
                    limit=4)
                if len(choice) > 3)
        if len(self._fuzzy_memo) >= MEMO_SIZE:
            self._fuzzy_memo.clear()
        self._fuzzy_memo[word] = result
        return result

    # -- matching ---------------------------------------------------------------------------
    def aspect(self, words: list[str]) -> str | None:
        totals: dict[str, float] = {}
        for w in set(words):
            for aspect, weight in self._aspect_of.get(w, ()):
                totals[aspect] = totals.get(aspect, 0.0) + weight
        if not totals:
            return None
        # "syarat" with a document word means documents; ties go to the earlier aspect
        return max(totals, key=lambda a: (totals[a], -ASPECT_ORDER.index(a)))

    def match(self, text: str) -> Match:
        words = [self._known(w) for w in normalise(text)]
        found = self._similar(words)
        best: dict[str, tuple[float, Alias]] = {}
        seen: set[int] = set()
        for word in found:
            for n in self._by_word.get(word, ()):
                if n in seen:
                    continue
                seen.add(n)
                alias = self.aliases[n]
                if not all(w in found for w in alias.distinctive):
                    continue
                sims = [found[w] for w in alias.distinctive]
                if len(sims) == 1 and sims[0] < 1.0 and (len(alias.distinctive[0]) < 7
                                                         or sims[0] < 0.85):
                    continue  # a lone, short, misspelt word is too weak to name a program
                score = sum(sims) + 0.3 * sum(1 for w in alias.words
                                              if w in GENERIC and w in found)
                if score > best.get(alias.program, (0.0, alias))[0]:
                    best[alias.program] = (score, alias)
        ranked = sorted(((s, a) for s, a in best.values() if s >= THRESHOLD),
                        key=lambda sa: (-sa[0], self.programs[sa[1].program].order))
        if ranked:
            top = ranked[0][0]
            ranked = [(s, a) for s, a in ranked if s >= CLOSE * top][:MAX_CHOICES]
        candidates = [Candidate(self.programs[a.program], round(s, 3), " ".join(a.words))
                      for s, a in ranked]
        aspect = ranked[0][1].aspect if len(ranked) == 1 and ranked[0][1].aspect else None
        return Match(candidates, aspect or self.aspect(words), words)
