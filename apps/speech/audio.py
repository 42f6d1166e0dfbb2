"""Audio files, read and written with PyAV (FFmpeg's libraries, which faster-whisper decodes with too).

No Django here. What a file is comes from decoding it, never from its name: a file is accepted when FFmpeg
finds an audio stream in it and decodes its first frames.
"""

import io
import wave
from dataclasses import dataclass
from typing import IO, Any

import av

#: Audio of this many seconds is decoded at upload to prove the file is what it claims.
PROBE_DECODE_SECONDS = 2.0
#: Containers whose audio we take: wav, mp3, flac, ogg (vorbis/opus), m4a/mp4 audio, webm/matroska.
ACCEPTED_FORMATS = frozenset(
    ["wav", "mp3", "flac", "ogg", "mov", "mp4", "m4a", "3gp", "3g2", "mj2", "matroska", "webm"]
)


class AudioRejected(Exception):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass(frozen=True)
class AudioInfo:
    container: str
    codec: str
    duration_seconds: float
    sample_rate: int
    channels: int


def _stream_duration(container: Any, stream: Any) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return float(container.duration) / av.time_base
    return None


def _demuxed_duration(container: Any, stream: Any) -> float:
    """Some recorders (a browser's MediaRecorder webm) write no duration: read the packets (no decoding)."""
    container.seek(0)
    end = 0.0
    for packet in container.demux(stream):
        if packet.pts is not None and packet.time_base is not None:
            end = max(end, float((packet.pts + (packet.duration or 0)) * packet.time_base))
    return end


def audio_probe(file: IO[bytes]) -> AudioInfo:
    """What the file holds, or AudioRejected with a reason a learner can act on. Cheap: it decodes only the
    first seconds (and reads packet headers when the container states no duration)."""
    file.seek(0)
    try:
        container = av.open(file, mode="r")
    except (av.error.FFmpegError, ValueError) as exc:
        raise AudioRejected("not_audio", "This file is not an audio recording we can read.") from exc
    try:
        format_names = set(container.format.name.split(","))
        if not container.streams.audio or not format_names & ACCEPTED_FORMATS:
            raise AudioRejected(
                "not_audio", "This file has no audio we can read (use wav, mp3, flac, ogg, m4a or webm)."
            )
        stream = container.streams.audio[0]
        decoded = 0.0
        try:
            for frame in container.decode(stream):
                decoded += frame.samples / (frame.sample_rate or 1)
                if decoded >= PROBE_DECODE_SECONDS:
                    break
        except av.error.FFmpegError as exc:
            if decoded == 0:  # FFmpeg guessed a format but nothing in it decodes: not a recording at all
                raise AudioRejected("not_audio", "This file is not an audio recording we can read.") from exc
            raise AudioRejected("corrupt_audio", "The audio could not be decoded: the file is damaged.") from exc
        if decoded <= 0:
            raise AudioRejected("empty_audio", "The file holds no audio samples.")
        duration = _stream_duration(container, stream)
        if duration is None or duration <= 0:
            duration = _demuxed_duration(container, stream)
        return AudioInfo(
            container=container.format.name,
            codec=stream.codec_context.name,
            duration_seconds=round(max(duration, decoded), 3),
            sample_rate=int(stream.codec_context.sample_rate or 0),
            channels=int(stream.codec_context.channels or 0),
        )
    finally:
        container.close()
        file.seek(0)


def wav_join(parts: list[bytes], *, gap_seconds: float = 0.25) -> tuple[bytes, float]:
    """Concatenates WAVs of one format (one engine's output) with a short silence between them."""
    output = io.BytesIO()
    params = None
    frames_total = 0
    with wave.open(output, "wb") as joined:
        for index, part in enumerate(parts):
            with wave.open(io.BytesIO(part), "rb") as reader:
                if params is None:
                    params = reader.getparams()
                    joined.setparams(params)
                elif reader.getparams()[:3] != params[:3]:
                    raise ValueError("the WAV parts differ in channels, sample width or rate")
                if index:
                    silence = int(params.framerate * gap_seconds)
                    joined.writeframes(b"\x00" * silence * params.sampwidth * params.nchannels)
                    frames_total += silence
                frames = reader.readframes(reader.getnframes())
                joined.writeframes(frames)
                frames_total += len(frames) // (params.sampwidth * params.nchannels)
    if params is None:
        raise ValueError("no WAV parts to join")
    return output.getvalue(), frames_total / params.framerate


def ogg_opus_from_wav(wav: bytes, *, bitrate: int) -> bytes:
    """Encodes a WAV as Opus in Ogg (about 1/10 of the size at speech bit rates)."""
    output = io.BytesIO()
    with av.open(io.BytesIO(wav), mode="r") as source, av.open(output, mode="w", format="ogg") as target:
        stream = target.add_stream("libopus", rate=48000)
        stream.bit_rate = bitrate
        stream.layout = "mono"
        resampler = av.AudioResampler(format="s16", layout="mono", rate=48000)
        for frame in source.decode(audio=0):
            for resampled in resampler.resample(frame):
                for packet in stream.encode(resampled):
                    target.mux(packet)
        for resampled in resampler.resample(None):
            for packet in stream.encode(resampled):
                target.mux(packet)
        for packet in stream.encode(None):
            target.mux(packet)
    return output.getvalue()
