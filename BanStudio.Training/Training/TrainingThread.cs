using System.Collections.Concurrent;

namespace BanStudio.Training.Training;

/// <summary>
/// The thread training runs on. glibc's malloc gives each new thread its own arena, and only the main thread's
/// (the brk heap) can keep a freed block over 64 MiB: in any other arena such a block is mapped fresh from the kernel
/// on every allocation and unmapped on every free, whatever <see cref="NativeHeap"/> asks. A CPU convolution without
/// oneDNN unfolds its whole batch first (WRN-10-1 at batch 128: 75 MB; WRN-16-4: 300 MB), so on a worker thread every
/// step page-faults those buffers in again. Measured on 2 cores, WRN-10-1, built-in data, batch 128: 172 images/s on
/// the trainer's own thread against 624 with every thread on the main arena (docs/performance.md).
/// <para>
/// So the process's main thread trains, where a host lends it: <see cref="HostOnThisThread"/> (Program.Main) runs the
/// app and then executes the work <see cref="Run{T}"/> queues, one item at a time, until the app ends. Without a host
/// (tests, a library caller) <see cref="Run{T}"/> starts a long-running thread as before. Work asked for on the main
/// thread itself runs there at once.
/// </para>
/// </summary>
public static class TrainingThread
{
    static BlockingCollection<Action>? _queue;
    static int _mainThread = -1;

    /// <summary>Whether trainings go to the main thread (a host called <see cref="HostOnThisThread"/>).</summary>
    public static bool OnMainThread => Volatile.Read(ref _queue) is not null;

    /// <summary>
    /// Runs <paramref name="work"/> on the main thread when a host lends it (queued behind any training already there),
    /// else on a new long-running thread. TorchSharp's dispose scopes are per thread, so the work starts and ends on one.
    /// </summary>
    public static Task<T> Run<T>(Func<T> work, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled<T>(cancellationToken);
        var queue = Volatile.Read(ref _queue);
        if (queue is not null && Environment.CurrentManagedThreadId == Volatile.Read(ref _mainThread)) return Inline(work);
        if (queue is not null)
        {
            var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            void Execute()
            {
                if (cancellationToken.IsCancellationRequested) { done.TrySetCanceled(cancellationToken); return; }
                try { done.TrySetResult(work()); }
                catch (OperationCanceledException e) { done.TrySetCanceled(e.CancellationToken); }
                catch (Exception e) { done.TrySetException(e); }
            }
            try
            {
                if (queue.TryAdd(Execute)) return done.Task;
            }
            catch (InvalidOperationException) { } // the host is ending: no more main-thread work
        }
        return Task.Factory.StartNew(work, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    static Task<T> Inline<T>(Func<T> work)
    {
        try { return Task.FromResult(work()); }
        catch (OperationCanceledException e) { return Task.FromCanceled<T>(e.CancellationToken.IsCancellationRequested ? e.CancellationToken : new CancellationToken(true)); }
        catch (Exception e) { return Task.FromException<T>(e); }
    }

    /// <summary>
    /// Lends this thread (call it from Main) to training for as long as <paramref name="app"/> runs: starts the app here
    /// (its synchronous start too), then executes queued work until the app's task ends, and returns its result.
    /// </summary>
    /// <param name="stuck">Called, from another thread, when the app has ended but this thread is still busy with a
    /// work item <paramref name="grace"/> later (a training that does not stop): Main passes one that exits the process
    /// with the app's code, as it did when trainings ran on threads of their own and Main returned regardless.</param>
    public static T HostOnThisThread<T>(Func<Task<T>> app, Action<Task<T>>? stuck = null, TimeSpan grace = default)
    {
        var queue = new BlockingCollection<Action>();
        if (Interlocked.CompareExchange(ref _queue, queue, null) is not null)
            throw new InvalidOperationException("a thread is already lent to training");
        Volatile.Write(ref _mainThread, Environment.CurrentManagedThreadId);
        try
        {
            Task<T> task;
            try { task = app(); }
            catch (Exception e) { task = Task.FromException<T>(e); }
            var returned = new CancellationTokenSource();
            task.ContinueWith(ended =>
            {
                queue.CompleteAdding();
                if (stuck is not null)
                    Task.Delay(grace, returned.Token).ContinueWith(_ => stuck(ended), returned.Token, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            try
            {
                foreach (var work in queue.GetConsumingEnumerable()) work();
                return task.GetAwaiter().GetResult();
            }
            finally { returned.Cancel(); }
        }
        finally
        {
            Volatile.Write(ref _queue, null);
            Volatile.Write(ref _mainThread, -1);
        }
    }
}
