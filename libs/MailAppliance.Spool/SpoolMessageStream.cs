namespace MailAppliance.Spool;

/// <summary>Reads prefix then content out of one spool file, without copying either. Seekable: every read is a
/// positioned read, so verifiers can read the message several times.</summary>
internal sealed class SpoolMessageStream : Stream
{
    private readonly FileStream _file;
    private readonly long _contentStart;
    private readonly long _contentLength;
    private readonly long _prefixLength;
    private long _position;

    public SpoolMessageStream(FileStream file, long contentStart, long contentLength, long prefixLength)
    {
        _file = file;
        _contentStart = contentStart;
        _contentLength = contentLength;
        _prefixLength = prefixLength;
    }

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => _prefixLength + _contentLength;
    public override long Position
    {
        get => _position;
        set => _position = value is >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        long remaining = Length - _position;
        if (remaining <= 0 || buffer.IsEmpty)
        {
            return 0;
        }

        // The prefix lies after the content in the file (it is complete only at the end of DATA).
        long fileOffset = _position < _prefixLength
            ? _contentStart + _contentLength + _position
            : _contentStart + (_position - _prefixLength);
        long sectionLeft = _position < _prefixLength ? _prefixLength - _position : remaining;
        int want = (int)Math.Min(buffer.Length, sectionLeft);
        int read = RandomAccess.Read(_file.SafeFileHandle, buffer[..want], fileOffset);
        _position += read;
        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => Length + offset,
        };
        return _position;
    }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _file.Dispose();
        }

        base.Dispose(disposing);
    }
}
