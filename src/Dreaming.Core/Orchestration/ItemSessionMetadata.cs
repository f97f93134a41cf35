using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Dreaming;

/// <summary>The metadata of an item's child session, <c>orchestration.item</c> and <c>orchestration.attempt</c>, kept in
/// two fields instead of a dictionary: a run of 10,000 items starts 10,000 child sessions, and a dictionary of two
/// entries costs three objects. Reads need nothing more; the first write (a session factory that adds its own entries)
/// turns it into an ordinary dictionary, so it behaves as one throughout, including a change during an enumeration.</summary>
internal sealed class ItemSessionMetadata : IDictionary<string, string>, IReadOnlyDictionary<string, string>
{
    public const string ItemKey = "orchestration.item";
    public const string AttemptKey = "orchestration.attempt";

    private readonly string _itemId;
    private readonly int _attempt;
    private Dictionary<string, string>? _written;

    public ItemSessionMetadata(string itemId, int attempt)
    {
        _itemId = itemId;
        _attempt = attempt;
    }

    public int Count => _written?.Count ?? 2;

    public bool IsReadOnly => false;

    public ICollection<string> Keys => Written.Keys;

    public ICollection<string> Values => Written.Values;

    IEnumerable<string> IReadOnlyDictionary<string, string>.Keys => Keys;

    IEnumerable<string> IReadOnlyDictionary<string, string>.Values => Values;

    private string Attempt => _attempt.ToString(CultureInfo.InvariantCulture);

    private Dictionary<string, string> Written => _written ??= new(StringComparer.Ordinal) { [ItemKey] = _itemId, [AttemptKey] = Attempt };

    public string this[string key]
    {
        get => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"The metadata has no key '{key}'.");
        set => Written[key] = value;
    }

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out string value)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (_written is not null)
        {
            return _written.TryGetValue(key, out value);
        }

        value = key switch
        {
            ItemKey => _itemId,
            AttemptKey => Attempt,
            _ => null,
        };
        return value is not null;
    }

    public bool ContainsKey(string key) => TryGetValue(key, out _);

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() =>
        _written is null ? new FieldEnumerator(this) : _written.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public void Add(string key, string value) => Written.Add(key, value);

    public void Add(KeyValuePair<string, string> item) => ((ICollection<KeyValuePair<string, string>>)Written).Add(item);

    public bool Remove(string key) => Written.Remove(key);

    public bool Remove(KeyValuePair<string, string> item) => ((ICollection<KeyValuePair<string, string>>)Written).Remove(item);

    public void Clear() => Written.Clear();

    public bool Contains(KeyValuePair<string, string> item) => TryGetValue(item.Key, out var value) && value == item.Value;

    public void CopyTo(KeyValuePair<string, string>[] array, int arrayIndex) => ((ICollection<KeyValuePair<string, string>>)Written).CopyTo(array, arrayIndex);

    /// <summary>Enumerates the two fields; like a dictionary's enumerator, it refuses to go on after a write.</summary>
    private sealed class FieldEnumerator(ItemSessionMetadata owner) : IEnumerator<KeyValuePair<string, string>>
    {
        private int _position = -1;

        public KeyValuePair<string, string> Current => _position switch
        {
            0 => new(ItemKey, owner._itemId),
            1 => new(AttemptKey, owner.Attempt),
            _ => default,
        };

        object IEnumerator.Current => Current;

        public bool MoveNext()
        {
            if (owner._written is not null)
            {
                throw new InvalidOperationException("The metadata was changed during the enumeration.");
            }

            _position = Math.Min(_position + 1, 2);
            return _position < 2;
        }

        public void Reset() => _position = -1;

        public void Dispose()
        {
        }
    }
}
