"""Threads and memory: calls release the GIL (other Python threads run while libstarc
computes), four threads computing distances at once agree with serial results, and 10^5 small
calls do not grow the process's memory."""

import sys
import threading
import time
import unittest

import numpy as np

import starc
from clirun import same


class Threads(unittest.TestCase):
    def test_four_threads_agree_with_serial(self):
        with starc.random_mdp(24, 3, 0.95, seed=3) as m:
            R = starc.random_rewards(m, 12, seed=4)
            kinds = [("val", "l2", "l2"), ("epic", "l2", "pearson"), ("minimal", "l1", "l1"), ("dard", "range", "l2")]
            pairs = [(i, j) for i in range(12) for j in range(i + 1, 12)]
            serial = {(k, i, j): m.distance(R[i], R[j], *k) for k in kinds for (i, j) in pairs}
            serial_mats = {k: m.distance_matrix(R, *k) for k in kinds}
            results = [dict() for _ in range(4)]
            mats = [dict() for _ in range(4)]
            errors = []
            barrier = threading.Barrier(4)

            def work(t):
                try:
                    barrier.wait()
                    for rep in range(3):
                        for n, k in enumerate(kinds):
                            for (i, j) in pairs[(t + n + rep) % 4::2]:
                                results[t][(k, i, j)] = m.distance(R[i], R[j], *k)
                            mats[t][k] = m.distance_matrix(R, *k)
                except BaseException as e:
                    errors.append(e)

            threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            self.assertEqual(errors, [])
            for t in range(4):
                self.assertGreater(len(results[t]), 0)
                for key, d in results[t].items():
                    self.assertTrue(same(d, serial[key]), key)
                for k, D in mats[t].items():
                    np.testing.assert_array_equal(D, serial_mats[k], k)
            # every thread took its own plan: the pool holds as many as ran at once, no more
            self.assertLessEqual(max(len(p) for p in m._plans.values()), 4)

    def test_calls_release_the_gil(self):
        """Another Python thread makes progress while this one is inside a libstarc call.

        The interpreter's forced GIL switch is turned off (switch interval 1000 s), so the
        other thread can only run when this one releases the GIL itself: the count it
        increments can move between the two reads around a call only if the call released
        the GIL.  The inputs are small (numpy releases the GIL itself on large arrays) and
        the computation long (the range normalisation's policy iterations at S = 300)."""
        with starc.random_mdp(300, 4, 0.95, seed=5) as m:
            rng = np.random.default_rng(6)
            r1, r2 = rng.normal(size=(2, 300))
            count = [0]
            stop = threading.Event()
            moved = []

            def spin():
                while not stop.is_set():
                    count[0] += 1
                    time.sleep(0)  # lets the calling thread take the GIL back when its call returns

            def call():
                for _ in range(20):
                    c0 = count[0]
                    m.distance(r1, r2, norm="range")
                    moved.append(count[0] - c0)
                    if moved[-1] > 0:
                        break

            saved = sys.getswitchinterval()
            sys.setswitchinterval(1000.0)
            try:
                b = threading.Thread(target=spin)
                a = threading.Thread(target=call)
                b.start()
                a.start()
                a.join()
                stop.set()
                b.join()
            finally:
                sys.setswitchinterval(saved)
            self.assertGreater(moved[-1], 0, f"no progress in another thread during {len(moved)} calls")

    def test_many_calls_do_not_grow_memory(self):
        def rss():
            with open("/proc/self/statm") as f:
                return int(f.read().split()[1]) * 4096

        with starc.random_mdp(4, 2, 0.9, seed=1) as m:
            R = starc.random_rewards(m, 2, seed=2)
            pi = m.uniform_policy()

            def calls():
                m.distance(R[0], R[1])
                m.epic(R[0], R[1][:, :, 0])
                m.evaluate(pi, R[0])
                m.regret(R[0], R[1])
                try:
                    m.distance(R[0], np.ones(5))
                except starc.Error:
                    pass

            for _ in range(5000):
                calls()
            before = rss()
            for _ in range(20000):  # 10^5 calls
                calls()
            grown = rss() - before
        # a leak of one error record (516 bytes) or one plan per call would be > 10 MB
        self.assertLess(grown, 1 << 20, f"resident memory grew by {grown} bytes over 10^5 calls")


if __name__ == "__main__":
    unittest.main()
