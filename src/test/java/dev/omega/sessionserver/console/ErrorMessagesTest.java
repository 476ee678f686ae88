package dev.omega.sessionserver.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.UndeclaredThrowableException;

import javax.management.MBeanException;
import javax.management.ReflectionException;
import javax.management.RuntimeMBeanException;

import org.junit.jupiter.api.Test;

class ErrorMessagesTest {

    @Test
    void anOperationsIllegalStateExceptionReadsAsItsOwnMessage() {
        assertEquals("start failed: port 3000 is in use",
                ErrorMessages.of(new RuntimeMBeanException(new IllegalStateException("start failed: port 3000 is in use"),
                        "java.lang.IllegalStateException: start failed: port 3000 is in use")));
    }

    @Test
    void aCheckedExceptionOfTheMbeanReadsAsItsMessage() {
        assertEquals("no log", ErrorMessages.of(new MBeanException(new Exception("no log"), "wrapper text")));
    }

    @Test
    void aMissingOperationKeepsTheMbeanServersWordsNotTheMethodSignature() {
        assertEquals("No such operation: tailLog", ErrorMessages.of(
                new ReflectionException(new NoSuchMethodException("tailLog(int)"), "No such operation: tailLog")));
    }

    @Test
    void anExceptionWithoutAMessageReadsAsItsSimpleClassName() {
        assertEquals("NullPointerException", ErrorMessages.of(new RuntimeMBeanException(new NullPointerException())));
    }

    @Test
    void anIoExceptionInsideAProxysWrapperIsAConnectionFailure() {
        assertTrue(ErrorMessages.isConnectionFailure(new UndeclaredThrowableException(new IOException("reset"))));
        assertFalse(ErrorMessages.isConnectionFailure(new RuntimeMBeanException(new IllegalStateException("x"))));
    }
}
