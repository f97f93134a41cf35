using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Dreaming;

/// <summary>The metadata of an item's child session, <c>orchestration.item</c> and <c>orchestration.attempt</c>, kept in
/// two fields instead of a dictionary: a run of 10,000 items starts 10,000 child sessions, and a dictionary of two
/// entries costs three objects. Reads need nothing more; the first write (a session factory that adds its own entries)
/// turns it into an ordinary dictionary, so it behaves as one throughout.</summary>
internal sealed class ItemSessionMetadata(string itemId, int attempt) : IDictionary<string, string>
{
    public const string ItemKey = "orchestration.item";
    public const string AttemptKey = "orchestration.attempt";

    private Dictionary<string, string>? _written;

    public int Count => _written?.Count ?? 2;

    public bool IsReadOnly => false;

    public ICollection<string> Keys => Written.Keys;

    public ICollection<string> Values => Written.Values;

    private string Attempt => attempt.ToString(CultureInfo.InvariantCulture);

    private Dictionary<string, string> Written => _written ??= new(StringComparer.Ordinal) { [ItemKey] = itemId, [AttemptKey] = Attempt };

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
            ItemKey => itemId,
            AttemptKey => Attempt,
            _ => null,
        };
        return value is not null;
    }

    public bool ContainsKey(string key) => TryGetValue(key, out _);

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator()
    {
        if (_written is not null)
        {
            return _written.GetEnumerator();
        }

        return Pairs();

        IEnumerator<KeyValuePair<string, string>> Pairs()
        {
            yield return new(ItemKey, itemId);
            yield return new(AttemptKey, Attempt);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public void Add(string key, string value) => Written.Add(key, value);

    public void Add(KeyValuePair<string, string> item) => ((ICollection<KeyValuePair<string, string>>)Written).Add(item);

    public bool Remove(string key) => Written.Remove(key);

    public bool Remove(KeyValuePair<string, string> item) => ((ICollection<KeyValuePair<string, string>>)Written).Remove(item);

    public void Clear() => Written.Clear();

    public bool Contains(KeyValuePair<string, string> item) => TryGetValue(item.Key, out var value) && value == item.Value;

    public void CopyTo(KeyValuePair<string, string>[] array, int arrayIndex) => ((ICollection<KeyValuePair<string, string>>)Written).CopyTo(array, arrayIndex);
}
