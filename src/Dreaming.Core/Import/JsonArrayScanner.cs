using System.Buffers;
using System.Text.Json;

namespace Dreaming;

/// <summary>Cuts a top-level JSON array into its elements as the bytes arrive, one buffer at a time.</summary>
/// <remarks>
/// A hand-rolled reader rather than <see cref="JsonSerializer.DeserializeAsyncEnumerable{TValue}(Stream, JsonSerializerOptions?, CancellationToken)"/>,
/// which drops the elements already parsed from a buffer when it meets a syntax error later in that buffer: errors would
/// name the wrong element, and skipping malformed elements would lose good ones.
/// </remarks>
internal sealed class JsonArrayScanner
{
    private JsonReaderState _state;
    private bool _inArray;
    private bool _closed;

    /// <summary>Gets a value indicating whether the array and everything after it has been read.</summary>
    public bool Completed { get; private set; }

    /// <summary>Adds the complete elements of <paramref name="buffer"/> to <paramref name="elements"/>.</summary>
    /// <returns>How far the buffer was consumed; the rest holds an incomplete element and must be offered again with more bytes.</returns>
    /// <exception cref="JsonException">The bytes are not valid JSON, or do not end where the array does.</exception>
    public SequencePosition Scan(ReadOnlySequence<byte> buffer, bool isFinalBlock, List<JsonElement> elements)
    {
        var reader = new Utf8JsonReader(buffer, isFinalBlock, _state);
        while (true)
        {
            var checkpoint = reader;
            if (!reader.Read())
            {
                reader = checkpoint;
                Completed = isFinalBlock && _closed;
                break;
            }

            if (!_inArray)
            {
                _inArray = true;
                continue;
            }

            if (reader.TokenType == JsonTokenType.EndArray)
            {
                // Keep reading: the reader itself rejects anything but white space after the array.
                _closed = true;
                continue;
            }

            if (!JsonElement.TryParseValue(ref reader, out var element))
            {
                reader = checkpoint;
                break;
            }

            elements.Add(element.Value);
        }

        _state = reader.CurrentState;
        return reader.Position;
    }
}
