using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace EnContact.Syndication.Tests.Fixtures;

/// <summary>One measurement an instrument reported: the instrument's name, the value and its tags.</summary>
public sealed record RecordedMeasurement(string Instrument, double Value, IReadOnlyDictionary<string, string?> Tags);

/// <summary>
/// Listens to the instruments of one gateway only (the meters its <see cref="IMeterFactory"/> made),
/// so tests running side by side never see each other's measurements.
/// </summary>
public sealed class MeasurementRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<RecordedMeasurement> _measurements = new();

    public MeasurementRecorder(Gateway gateway)
    {
        var factory = gateway.Services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, factory))
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.Start();
    }

    public IReadOnlyList<RecordedMeasurement> Measurements => [.. _measurements];

    /// <summary>Reads every observable gauge now and returns what they reported.</summary>
    public IReadOnlyList<RecordedMeasurement> Observe()
    {
        var seen = _measurements.Count;
        _listener.RecordObservableInstruments();
        return [.. _measurements.Skip(seen)];
    }

    public void Dispose() => _listener.Dispose();

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (key, tag) in tags)
            copy[key] = tag?.ToString();
        _measurements.Enqueue(new RecordedMeasurement(instrument.Name, value, copy));
    }
}
