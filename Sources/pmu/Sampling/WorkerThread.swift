import Glibc

/// A POSIX thread running one closure, joined once. The reader of `pmu sample`
/// runs on one so that formatting never stands between the kernel and its
/// ring buffers.
final class WorkerThread {
    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    private var thread: pthread_t
    private var joined = false

    /// Starts `body` on a new thread; throws the errno when it cannot be created.
    init(_ body: @escaping @Sendable () -> Void) throws(ThreadStartError) {
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            Unmanaged<Body>.fromOpaque(raw).takeRetainedValue().run()
            return nil
        }, context)
        if result != 0 {
            Unmanaged<Body>.fromOpaque(context).release()
            throw ThreadStartError(errno: result)
        }
        self.thread = thread
    }

    /// Waits for the body to return. The body's own loop bounds the wait (it
    /// polls with a limit and ends when the workload ends).
    func join() {
        guard !joined else { return }
        joined = true
        pthread_join(thread, nil)
    }

    deinit { join() }
}

struct ThreadStartError: Error {
    var errno: Int32
}
